#include "server/state/shared_state.h"

#include <string.h>
#include <sys/mman.h>

srv_shared *srv_shared_create(void)
{
    void *p = mmap(NULL, sizeof(srv_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : (srv_shared *)p; /* anonymous pages are zero-filled */
}

int srv_shared_tenant_slot(const srv_shared *s, const char *name)
{
    for (int i = 0; i < SRV_MAX_TENANTS; i++)
        if (strcmp(s->metrics.tenant_names[i], name) == 0)
            return i;
    return -1;
}

void srv_shared_assign_tenants(srv_shared *s, const srv_config *c)
{
    for (int t = 0; t < c->n_tenants; t++) {
        if (srv_shared_tenant_slot(s, c->tenants[t].name) >= 0)
            continue;
        for (int i = 0; i < SRV_MAX_TENANTS; i++)
            if (!s->metrics.tenant_names[i][0]) {
                memcpy(s->metrics.tenant_names[i], c->tenants[t].name, SRV_TENANT_NAME_MAX);
                break;
            }
        /* no free slot (more than 64 names over the process's life): the tenant is not counted */
    }
}
