/*
 * The step the AVX2 paths of the bilinear resize and warp share: the 3-channel pixel pairs
 * they blend, fetched as two 32-bit words per pair (bytes R0 G0 B0 R1 from the pair's first
 * byte, B0 R1 G1 B1 from its third: neither reads past the second pixel), become per channel
 * lanes holding the left tap in the low 16 bits and the right one in the high 16 bits, the
 * operand vpmaddwd multiplies by a pair of 16-bit weights.
 */
#ifndef FL_IMAGE_RGB_PAIRS_X86_H
#define FL_IMAGE_RGB_PAIRS_X86_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FL_RGB_PAIRS_X86 1

/* Channel c (0, 1, 2 in memory order) of the eight pairs whose words are a and b. */
__attribute__((target("avx2"), always_inline)) static inline __m256i fl__rgb_pair_lanes(__m256i a, __m256i b, int c)
{
    /* from a: byte c to the low half (and for channel 0 byte 3, R1, to the high half);
     * from b: byte c + 1 (G1 or B1) to the high half */
    const __m256i from_a =
        c == 0 ? _mm256_setr_epi8(0, -1, 3, -1, 4, -1, 7, -1, 8, -1, 11, -1, 12, -1, 15, -1, 0, -1, 3, -1, 4, -1, 7, -1,
                                  8, -1, 11, -1, 12, -1, 15, -1)
        : c == 1 ? _mm256_setr_epi8(1, -1, -1, -1, 5, -1, -1, -1, 9, -1, -1, -1, 13, -1, -1, -1, 1, -1, -1, -1, 5, -1,
                                    -1, -1, 9, -1, -1, -1, 13, -1, -1, -1)
                 : _mm256_setr_epi8(2, -1, -1, -1, 6, -1, -1, -1, 10, -1, -1, -1, 14, -1, -1, -1, 2, -1, -1, -1, 6, -1,
                                    -1, -1, 10, -1, -1, -1, 14, -1, -1, -1);
    const __m256i lanes = _mm256_shuffle_epi8(a, from_a);
    if (c == 0)
        return lanes;
    const char hi = (char)(c + 1);
    const __m256i from_b = _mm256_setr_epi8(-1, -1, hi, -1, -1, -1, (char)(hi + 4), -1, -1, -1, (char)(hi + 8), -1, -1,
                                            -1, (char)(hi + 12), -1, -1, -1, hi, -1, -1, -1, (char)(hi + 4), -1, -1, -1,
                                            (char)(hi + 8), -1, -1, -1, (char)(hi + 12), -1);
    return _mm256_or_si256(lanes, _mm256_shuffle_epi8(b, from_b));
}
#endif

#endif
