#ifndef SIGNET_DMARC_REPORT_XML_H
#define SIGNET_DMARC_REPORT_XML_H

/* report_xml - parser internals shared by its files */

#include <expat.h>

extern int XMLCALL dmarc_xml_encoding(void *, const XML_Char *, XML_Encoding *);

#endif
