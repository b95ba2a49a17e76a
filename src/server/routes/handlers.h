/* The routes' handlers (one file per route family); the table that names them is route_table.c. */
#ifndef FL_SERVER_HANDLERS_H
#define FL_SERVER_HANDLERS_H

#include "server/http/request.h"

/* route_liveness.c */
void srv_route_liveness(srv_request *r);
/* route_challenges.c */
void srv_route_challenges(srv_request *r);
void srv_route_verify(srv_request *r);
/* route_ops.c: no tenant key (they say nothing about any tenant) */
void srv_route_healthz(srv_request *r);
void srv_route_readyz(srv_request *r);
void srv_route_metrics(srv_request *r);
void srv_route_version(srv_request *r);

/* route_web.c: the files of web_root (the liveness page) */
void srv_route_web(srv_request *r);

/* "version" and "models" (each model file's name and sha256): the model versions an answer names. */
void srv_write_version_and_models(jw *w, const srv_engines *e);

#endif
