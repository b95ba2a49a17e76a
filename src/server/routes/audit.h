/* The audit trail, off unless audit_dir is configured: what each judged request sent (the images
 * of /v1/liveness, the frames or the video of verify) is kept as files named by an id the server
 * draws (audit-<unix ms>-<16 hex>-N.img, mode 0600), with a JSON record beside them
 * (audit-<...>.json: audit_id, request_id as the client gave it, tenant, route, time, files). A
 * client cannot choose, reuse or collide with a name. Files older than audit_retention_s are
 * deleted, and the oldest go first whenever the folder holds more than audit_max_mb (checked
 * at most once a minute per worker, and at once when this worker's writes since would pass the
 * cap). Without audit_dir nothing is ever written. */
#ifndef FL_SERVER_AUDIT_H
#define FL_SERVER_AUDIT_H

#include "server/http/media.h"
#include "server/http/request.h"

/* Keeps the request's media (m: images or frames; or, for a video body, data/len with m NULL).
 * Writes the audit id into r->audit_id (empty when nothing was kept). */
void srv_audit_keep(srv_request *r, const srv_media *m, const void *data, size_t len);

#endif
