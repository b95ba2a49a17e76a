/*
 * Decoding of YuNet's 12 raw outputs into faces (../shared/models/MANIFEST.md section 3):
 * anchors at (col*s, row*s) with no +0.5, score = cls*obj (both already sigmoid-ed), boxes
 * from (dx,dy,dw,dh), five landmarks, then greedy NMS with IoU on continuous areas (and a
 * candidate inside a better face, or holding one, dropped).
 */
#ifndef FL_FACE_YUNET_DECODE_H
#define FL_FACE_YUNET_DECODE_H

#include <stddef.h>

#define FL_YUNET_OUTPUTS 12
#define FL_YUNET_INSIDE 0.8f /* two faces sharing this much of the smaller one's area are one face */

typedef struct fl_yunet_face {
    float x1, y1, x2, y2; /* box in input pixels */
    float kps[10];        /* (x,y) of: image-left eye, image-right eye, nose, image-left and image-right mouth corner */
    float score;          /* cls * obj */
} fl_yunet_face;

/* outs: the 12 outputs in file order (cls_8,cls_16,cls_32,obj_8,...,kps_32) for an input of
 * in_w x in_h (multiples of 32). Candidates scoring below score_threshold are dropped before
 * anything else is computed; candidates narrower than min_size pixels too. Writes at most
 * max_faces faces, best first, and returns how many. scratch must hold room for
 * fl__yunet_candidates(in_w, in_h) faces. */
size_t fl__yunet_decode(const float *const *outs, int in_w, int in_h, float score_threshold, float nms_iou,
                       float min_size, fl_yunet_face *scratch, fl_yunet_face *faces, size_t max_faces);

/* The number of anchors of an input size (an upper bound on candidates). */
size_t fl__yunet_candidates(int in_w, int in_h);

#endif
