#ifndef SIGNET_MILTER_H
#define SIGNET_MILTER_H

/* milter - signet-milter's callbacks for the milter engine */

#include "engine.h"

extern struct eng_callbacks milter_callbacks;

#endif
