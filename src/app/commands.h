/* Entry points of the CLI subcommands: argv[0] is the subcommand name. Return the exit status. */
#ifndef FL_CLI_COMMANDS_H
#define FL_CLI_COMMANDS_H

int fl_cmd_models(int argc, char **argv);
int fl_cmd_analyze(int argc, char **argv);
int fl_cmd_check(int argc, char **argv);
int fl_cmd_eval(int argc, char **argv);
int fl_cmd_video(int argc, char **argv);
int fl_cmd_texture(int argc, char **argv);
int fl_cmd_serve(int argc, char **argv);
int fl_cmd_token(int argc, char **argv);
int fl_cmd_probe(int argc, char **argv);
int fl_cmd_logscan(int argc, char **argv);

#endif
