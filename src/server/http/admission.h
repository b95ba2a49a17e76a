/* Who may send a request to a route that needs a key: the tenant's API key, then its rate. Both run
 * from the headers alone, before any of the body is read. */
#ifndef FL_SERVER_ADMISSION_H
#define FL_SERVER_ADMISSION_H

#include "server/http/request.h"

/* Authorization: Bearer KEY, or X-API-Key: KEY; sets r->tenant. */
srv_error srv_authenticate(srv_request *r);
/* The tenant's requests per minute, counted in the shared store (503 when the store cannot count). */
srv_error srv_rate_limit(srv_request *r);

#endif
