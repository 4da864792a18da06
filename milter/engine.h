#ifndef SIGNET_ENGINE_H
#define SIGNET_ENGINE_H

/* engine - the milter protocol between the MTA and signet's callbacks */

#include <sys/types.h>
#include <sys/socket.h>

/* What a callback asks the engine to answer. */
typedef int eng_stat;

#define ENG_CONTINUE	0		/* go on with the message */
#define ENG_REJECT	1		/* refuse (5xx, or the reply set) */
#define ENG_DISCARD	2		/* accept and drop */
#define ENG_ACCEPT	3		/* accept; no more events for it */
#define ENG_TEMPFAIL	4		/* refuse for now (4xx, or the reply set) */
#define ENG_NOREPLY	7		/* no reply: the step was negotiated so */
#define ENG_SKIP	8		/* no more body chunks */
#define ENG_SUSPEND	9		/* end of message: the answer comes
					 * later, from the resume callback */

/* Actions the milter may take (SMFIC_OPTNEG, first word). */
#define MILTER_ACT_ADDHDRS	0x01
#define MILTER_ACT_CHGBODY	0x02
#define MILTER_ACT_ADDRCPT	0x04
#define MILTER_ACT_DELRCPT	0x08
#define MILTER_ACT_CHGHDRS	0x10
#define MILTER_ACT_QUARANTINE	0x20
#define MILTER_ACT_CHGFROM	0x40
#define MILTER_ACT_ADDRCPT_PAR	0x80
#define MILTER_ACT_SETSYMLIST	0x100

/* Protocol steps (SMFIC_OPTNEG, second word). */
#define MILTER_P_NOCONNECT	0x01
#define MILTER_P_NOHELO		0x02
#define MILTER_P_NOMAIL		0x04
#define MILTER_P_NORCPT		0x08
#define MILTER_P_NOBODY		0x10
#define MILTER_P_NOHDRS		0x20
#define MILTER_P_NOEOH		0x40
#define MILTER_P_NR_HDR		0x80
#define MILTER_P_NOUNKNOWN	0x100
#define MILTER_P_NODATA		0x200
#define MILTER_P_SKIP		0x400
#define MILTER_P_RCPT_REJ	0x800
#define MILTER_P_NR_CONN	0x1000
#define MILTER_P_NR_HELO	0x2000
#define MILTER_P_NR_MAIL	0x4000
#define MILTER_P_NR_RCPT	0x8000
#define MILTER_P_NR_DATA	0x10000
#define MILTER_P_NR_UNKN	0x20000
#define MILTER_P_NR_EOH		0x40000
#define MILTER_P_NR_BODY	0x80000
#define MILTER_P_HDR_LEADSPC	0x100000

/* Stages whose macros a milter may ask for (SETSYMLIST). */
#define MILTER_STAGE_CONNECT	0
#define MILTER_STAGE_HELO	1
#define MILTER_STAGE_MAIL	2
#define MILTER_STAGE_RCPT	3
#define MILTER_STAGE_DATA	4
#define MILTER_STAGE_EOM	5
#define MILTER_STAGE_EOH	6
#define MILTER_STAGES		7

struct eng_ctx;				/* one MTA connection */

/* The callbacks; any may be NULL. Strings end with NUL. */
struct eng_callbacks {
	eng_stat (*negotiate) (struct eng_ctx *, unsigned long, unsigned long,
			               unsigned long *, unsigned long *);
	eng_stat (*connect) (struct eng_ctx *, const char *,
			             const struct sockaddr *);
	eng_stat (*helo) (struct eng_ctx *, const char *);
	eng_stat (*envfrom) (struct eng_ctx *, char **);
	eng_stat (*envrcpt) (struct eng_ctx *, char **);
	eng_stat (*header) (struct eng_ctx *, const char *, const char *);
	eng_stat (*eoh) (struct eng_ctx *);
	eng_stat (*body) (struct eng_ctx *, const unsigned char *, size_t);
	eng_stat (*eom) (struct eng_ctx *);
	eng_stat (*abort) (struct eng_ctx *);
	eng_stat (*close) (struct eng_ctx *);
	eng_stat (*resume) (struct eng_ctx *, int);	/* after ENG_SUSPEND */
};

/* For the callbacks. */
extern const char *eng_getsymval(struct eng_ctx *, const char *);
extern void eng_setpriv(struct eng_ctx *, void *);
extern void *eng_getpriv(struct eng_ctx *);
extern int eng_setsymlist(struct eng_ctx *, int, const char *);
extern int eng_insheader(struct eng_ctx *, int, const char *, const char *);
extern int eng_setreply(struct eng_ctx *, const char *, const char *,
			        const char *);
extern int eng_can_suspend(struct eng_ctx *);
extern void eng_resume(struct eng_ctx *, int);	/* any thread */

/* For main. */
extern int engine_listen(const char *);
extern void engine_start(const struct eng_callbacks *, int);
extern int engine_drain(int);
extern void engine_stop(void);
extern const char *engine_name(void);

#endif
