/* Drawing on BGR images for the CLI's --draw: boxes, dots, and text in a built-in 5x7 font. */
#ifndef FL_CLI_DRAW_H
#define FL_CLI_DRAW_H

#include <stdint.h>

#include "facelive/image.h"

typedef struct fl_rgb {
    uint8_t b, g, r;
} fl_rgb;

void fl_draw_rect(fl_image *img, int x, int y, int w, int h, int thickness, fl_rgb c);
void fl_draw_dot(fl_image *img, float x, float y, int radius, fl_rgb c);
/* Darkens a rectangle to half brightness (a panel background). */
void fl_draw_shade(fl_image *img, int x, int y, int w, int h);
/* Text at (x, y) = top-left, each font pixel drawn scale x scale; returns the width drawn.
 * Lower case is drawn as upper case; characters without a glyph are drawn as spaces. */
int fl_draw_text(fl_image *img, int x, int y, int scale, const char *text, fl_rgb c);

#endif
