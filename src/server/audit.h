/* The audit trail, off unless audit_dir is configured: the images of each liveness request are
 * kept as files named after the request id, and files older than audit_retention_s are deleted
 * (swept at most once a minute per worker). Without audit_dir no image is ever written. */
#ifndef FL_SERVER_AUDIT_H
#define FL_SERVER_AUDIT_H

#include "server/media.h"
#include "server/worker.h"

void srv_audit_keep(srv_worker *w, const char *request_id, const srv_media *m);

#endif
