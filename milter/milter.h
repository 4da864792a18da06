#ifndef SIGNET_MILTER_H
#define SIGNET_MILTER_H

/* milter - signet-milter's libmilter glue */

#include <libmilter/mfapi.h>

extern struct smfiDesc milter_desc;
extern int milter_in_flight(void);

#endif
