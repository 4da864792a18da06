/*++
/* NAME
/*	report_encoding 3
/* SUMMARY
/*	byte encodings that expat does not know
/* SYNOPSIS
/*	#include "report_xml.h"
/*
/*	int	dmarc_xml_encoding(void *data, const XML_Char *name,
/*			XML_Encoding *info);
/* DESCRIPTION
/*	expat reads UTF-8, UTF-16, ISO-8859-1 and US-ASCII itself. Some
/*	receivers declare another one (AOL: windows-1252). This handler,
/*	set with XML_SetUnknownEncodingHandler(), asks iconv(3) what each
/*	of the 256 byte values means in that encoding and gives expat
/*	the table. Only single-byte encodings are mapped.
/* DIAGNOSTICS
/*	XML_STATUS_ERROR for an encoding iconv does not know or one with
/*	multi-byte characters: expat then refuses the document with
/*	"unknown encoding".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>

#include "report_xml.h"

/* byte_char - the code point of one byte, -1 invalid, -2 multi-byte */

static int
byte_char(iconv_t cd, int byte)
{
	char    in = (char) byte, *ip = &in;
	unsigned char out[8];
	char   *op = (char *) out;
	size_t  il = 1, ol = sizeof(out);

	(void) iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t) -1)
		return (errno == EINVAL ? -2 : -1);
	if (sizeof(out) - ol != 4)
		return (-1);
	return ((int) ((uint32_t) out[0] | (uint32_t) out[1] << 8
		       | (uint32_t) out[2] << 16 | (uint32_t) out[3] << 24));
}

/* dmarc_xml_encoding - map a single-byte encoding for expat */

int     XMLCALL
dmarc_xml_encoding(void *data, const XML_Char *name, XML_Encoding *info)
{
	iconv_t cd;
	int     i, c;

	if ((cd = iconv_open("UTF-32LE", name)) == (iconv_t) -1)
		return (XML_STATUS_ERROR);
	for (i = 0; i < 256; i++) {
		if ((c = byte_char(cd, i)) == -2) {
			(void) iconv_close(cd);
			return (XML_STATUS_ERROR);
		}
		info->map[i] = c;
	}
	(void) iconv_close(cd);
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return (XML_STATUS_OK);
}
