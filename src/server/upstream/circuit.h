/* The provider's circuit breaker, shared by every worker of the host: after `failures` consecutive
 * failed calls it opens and no call is made for `open_ms`; then one probe call is let through
 * (half-open): success closes it, failure opens it again. */
#ifndef FL_SERVER_CIRCUIT_H
#define FL_SERVER_CIRCUIT_H

#include "server/state/shared_state.h"

typedef enum srv_circuit_pass { SRV_CIRCUIT_REFUSE = 0, SRV_CIRCUIT_CALL = 1, SRV_CIRCUIT_PROBE = 2 } srv_circuit_pass;

/* May a call be made now? PROBE: yes, as the half-open probe (report its result with probe = 1). */
srv_circuit_pass srv_circuit_allow(srv_circuit *c, int open_ms, int64_t now_ms);
void srv_circuit_success(srv_circuit *c, int probe);
void srv_circuit_failure(srv_circuit *c, int probe, int threshold, int open_ms, int64_t now_ms);

#endif
