# Writes a text file as a C string constant, without its comment lines (those starting with '#'):
#   cmake -DIN=file -DOUT=header.h -DNAME=symbol -P cmake/embed_text.cmake
# The library's default model list is config/antispoof_models.tsv this way: one source, embedded at
# build time.
file(STRINGS "${IN}" lines)
set(body "")
foreach(line IN LISTS lines)
  if(line MATCHES "^#" OR line STREQUAL "")
    continue()
  endif()
  string(REPLACE "\\" "\\\\" line "${line}")
  string(REPLACE "\"" "\\\"" line "${line}")
  string(REPLACE "\t" "\\t" line "${line}")
  string(APPEND body "    \"${line}\\n\"\n")
endforeach()
get_filename_component(in_name "${IN}" NAME)
file(WRITE "${OUT}.tmp" "/* Generated from ${in_name} by cmake/embed_text.cmake: edit that file, not this one. */\n"
                        "static const char ${NAME}[] =\n${body};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
