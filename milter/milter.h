#ifndef SIGNET_MILTER_H
#define SIGNET_MILTER_H

/* milter - signet-milter's callbacks for the milter engine */

#include "engine.h"

extern struct eng_callbacks milter_callbacks;

/*
 * The protocol steps signet-milter asks for: no reply where no answer
 * can change anything. MILTER_P_NR_MAIL is added under a policy that
 * cannot refuse at MAIL FROM (policy_checks_mail()).
 */
#define SIGNET_STEPS	(MILTER_P_NOUNKNOWN | MILTER_P_NODATA \
		| MILTER_P_NR_CONN | MILTER_P_NR_HELO | MILTER_P_NR_RCPT \
		| MILTER_P_NR_HDR | MILTER_P_NR_EOH | MILTER_P_NR_BODY \
		| MILTER_P_HDR_LEADSPC)

#endif
