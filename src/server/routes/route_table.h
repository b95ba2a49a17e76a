/* Every route the service answers: dispatch, metrics labels and `facelive serve --describe` read
 * this one table. */
#ifndef FL_SERVER_ROUTE_TABLE_H
#define FL_SERVER_ROUTE_TABLE_H

#include "server/http/route.h"

extern const srv_route srv_routes[];
extern const int srv_n_routes;

/* The metrics label of route index i (srv_route_match's result): "other" for an unknown path. */
const char *srv_route_label_at(int i);

#endif
