#ifndef MONOMYTH_CRABBITMQSHIM_H
#define MONOMYTH_CRABBITMQSHIM_H

#include <amqp.h>

/// `amqp_login` with SASL PLAIN. Swift cannot call the variadic original.
amqp_rpc_reply_t monomyth_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                           int channel_max, int frame_max, int heartbeat,
                                           const char *user, const char *password);

#endif
