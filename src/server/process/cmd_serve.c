/* facelive serve: the HTTP service (src/server/; docs/server.md). */
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "app/json_writer.h"
#include "app/program.h"
#include "facelive/session.h"
#include "server/process/master.h"
#include "server/routes/route_table.h"
#include "server/state/config.h"
#include "server/state/errors.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facelive serve --config FILE [--listen HOST:PORT] [--workers N]\n"
            "       facelive serve --config FILE --check     check the configuration and exit\n"
            "       facelive serve --describe                every route, action and error code, as JSON\n"
            "\n"
            "Runs the liveness service: a master process and N workers (default: one per core) on one\n"
            "listening socket. SIGTERM stops it gracefully (requests in flight finish), SIGHUP reloads\n"
            "the configuration and the models without dropping requests. docs/server.md describes the\n"
            "configuration file; docs/openapi.yaml the API.\n"
            "\n"
            "  --config FILE       the configuration (JSON)\n"
            "  --listen HOST:PORT  overrides the configuration's \"listen\" (port 0: any free port)\n"
            "  --workers N         overrides the configuration's \"workers\"\n"
            "\nExit status: 0 stopped normally, 1 the configuration, the models or the socket failed, 2 bad usage.\n");
}

static int describe(void)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_array(&w, "routes");
    for (int r = 0; r < srv_n_routes; r++) {
        jw_object(&w, NULL);
        jw_str(&w, "method", srv_routes[r].method);
        jw_str(&w, "path", srv_routes[r].path);
        jw_end(&w);
    }
    jw_end(&w);
    jw_array(&w, "actions");
    for (int a = 0; a < FL_ACTION_COUNT; a++)
        jw_str(&w, NULL, fl_action_name((fl_action)a));
    jw_end(&w);
    jw_array(&w, "errors");
    for (int e = 1; e < SRV_ERROR_COUNT; e++) {
        jw_object(&w, NULL);
        jw_str(&w, "code", srv_error_code((srv_error)e));
        jw_int(&w, "status", srv_error_status((srv_error)e));
        jw_str(&w, "message", srv_error_message((srv_error)e));
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    return FL_EXIT_OK;
}

static int check_config(const char *path)
{
    srv_config c;
    char err[512];
    if (srv_config_load(path, &c, err, sizeof err)) {
        fprintf(stderr, "facelive serve: %s\n", err);
        return FL_EXIT_ERROR;
    }
    printf("%s: valid (%d tenants, store %s, provider %s)\n", path, c.n_tenants, c.store_kind,
           c.provider.url ? c.provider.url : "none");
    srv_config_free(&c);
    return FL_EXIT_OK;
}

int fl_cmd_serve(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    const char *config = NULL, *listen = NULL;
    int workers = 0, check = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--describe") == 0)
            return describe();
        if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (strcmp(a, "--config") == 0 || strcmp(a, "--listen") == 0 || strcmp(a, "--workers") == 0) {
            if (i + 1 >= argc)
                return fl_usage_missing_value("serve", a);
            const char *v = argv[++i];
            if (strcmp(a, "--config") == 0)
                config = v;
            else if (strcmp(a, "--listen") == 0) {
                const char *colon = strrchr(v, ':');
                int port;
                if (!colon || colon == v || fl_parse_int("serve", "--listen's port", colon + 1, 0, 65535, &port))
                    return FL_EXIT_USAGE;
                listen = v;
            } else if (fl_parse_int("serve", a, v, 1, 256, &workers)) {
                return FL_EXIT_USAGE;
            }
        } else {
            return fl_usage_unknown_option("serve", a);
        }
    }
    if (!config) {
        fprintf(stderr, "facelive serve: --config FILE is required\n");
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    if (check)
        return check_config(config);
    return srv_master_run(config, listen, workers) ? FL_EXIT_ERROR : FL_EXIT_OK;
}
