/*
 * Video files (through video_file.h: FFmpeg's libraries) or folders of frames, read frame by
 * frame as upright BGR images with timestamps. The library itself never links FFmpeg: apps hand
 * it camera frames; only the CLI reads files.
 */
#include "app/video_reader.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "app/video_file.h"

struct fl_video {
    fl_video_file *file; /* a file, or */
    char **files;        /* a folder */
    int n_files, next_file;
    double fps;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static fl_status open_folder(fl_video *v, const char *dir, double fps, fl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return fl_video_fail(err, FL_E_IO, "%s: cannot open the folder", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || (strcasecmp(de->d_name + n - 4, ".jpg") && strcasecmp(de->d_name + n - 5, ".jpeg") &&
                      strcasecmp(de->d_name + n - 4, ".png")))
            continue;
        char **grown = realloc(v->files, (size_t)(v->n_files + 1) * sizeof *grown);
        size_t len = strlen(dir) + n + 2;
        char *path = malloc(len);
        if (!grown || !path) {
            free(path);
            closedir(d);
            return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
        }
        snprintf(path, len, "%s/%s", dir, de->d_name);
        v->files = grown;
        v->files[v->n_files++] = path;
    }
    closedir(d);
    if (!v->n_files)
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: no .jpg or .png frames in the folder", dir);
    qsort(v->files, (size_t)v->n_files, sizeof *v->files, cmp_str);
    v->fps = fps;
    return FL_OK;
}

fl_status fl_video_open(const char *path, double folder_fps, fl_video **out, fl_error *err)
{
    fl_video *v = calloc(1, sizeof *v);
    if (!v)
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    struct stat st;
    fl_status s;
    if (stat(path, &st) != 0)
        s = fl_video_fail(err, FL_E_IO, "%s: no such file or folder", path);
    else if (S_ISDIR(st.st_mode))
        s = open_folder(v, path, folder_fps > 0 ? folder_fps : 30.0, err);
    else if (!S_ISREG(st.st_mode))
        s = fl_video_fail(err, FL_E_IO, "%s: not a regular file", path);
    else if (st.st_size == 0)
        s = fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: empty file", path);
    else
        s = fl_video_file_open(path, &v->file, err);
    if (s) {
        fl_video_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

fl_status fl_video_open_memory(const void *data, size_t len, fl_video **out, fl_error *err)
{
    fl_video *v = calloc(1, sizeof *v);
    if (!v)
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    fl_status s = len ? fl_video_file_open_memory(data, len, &v->file, err)
                      : fl_video_fail(err, FL_E_IMAGE_CORRUPT, "empty video");
    if (s) {
        fl_video_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

int fl_video_next(fl_video *v, fl_image *out, double *t, fl_error *err)
{
    if (v->file)
        return fl_video_file_next(v->file, out, t, err);
    if (v->next_file >= v->n_files)
        return 0;
    *t = v->next_file / v->fps;
    return fl_image_load(v->files[v->next_file++], NULL, out, err) ? -1 : 1;
}

double fl_video_frame_rate(const fl_video *v)
{
    return v->file ? fl_video_file_frame_rate(v->file) : v->fps;
}

void fl_video_close(fl_video *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n_files; i++)
        free(v->files[i]);
    free(v->files);
    fl_video_file_close(v->file);
    free(v);
}
