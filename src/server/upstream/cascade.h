/* The channel cascade: the local answer stands when it is "real", or when the configuration does
 * not escalate its case; otherwise the provider decides, through the shared circuit breaker. */
#ifndef FL_SERVER_CASCADE_H
#define FL_SERVER_CASCADE_H

#include "server/state/state.h"
#include "server/upstream/provider.h"

typedef enum srv_local_status {
    SRV_LOCAL_OK = 0,      /* a verdict (real, spoof or uncertain) */
    SRV_LOCAL_ERROR = 1,   /* the engine failed */
    SRV_LOCAL_OVERLOAD = 2, /* no inference slot in time */
    SRV_LOCAL_UNAVAILABLE = 3 /* adapter mode: no local engine */
} srv_local_status;

typedef enum srv_cascade_outcome {
    SRV_CASCADE_LOCAL = 0,        /* the local answer is final */
    SRV_CASCADE_PROVIDER = 1,     /* the provider answered: provider holds its verdict */
    SRV_CASCADE_PROVIDER_DOWN = 2,/* escalated, but the provider failed: provider.why says how */
    SRV_CASCADE_CIRCUIT_OPEN = 3  /* escalated, but the circuit is open: no call was made */
} srv_cascade_outcome;

/* The escalation reason of a local result (an srv_escalation flag). */
unsigned srv_cascade_reason(srv_local_status st, fl_decision local);
/* Decides who answers, calling the provider when the reason is escalated. */
srv_cascade_outcome srv_cascade_run(srv_state *w, unsigned reason, const char *request_id, const char *tenant,
                                    const srv_media *m, srv_provider_result *provider, double *provider_s);

#endif
