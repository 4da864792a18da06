/*++
/* NAME
/*	unpack_zip 3
/* SUMMARY
/*	reports inside zip archives
/* SYNOPSIS
/*	#include "unpack.h"
/*
/*	void	unpack_zip(const struct unpack_ops *ops, const char *label,
/*			struct rd *r, int depth);
/* DESCRIPTION
/*	Opens the archive R with libzip (from its file when R reads one,
/*	from memory otherwise) and sorts each entry as an input of its
/*	own: a report is XML, or gzip of XML, whatever the entry is
/*	called. Folder entries are skipped. Entry names are only labels
/*	("FILE!NAME", "FILE!(entry N)" for an empty name): nothing is
/*	written to disk, so names with "../" do no harm.
/*
/*	An archive read from a stream (gzip output, a zip entry) is
/*	spooled to a temporary file first, up to ops->max_bytes; one in
/*	memory (rd_mem()) is read where it is. What the entries inflate to
/*	counts against the budget of the input (ops->inflated), so
/*	entries that share compressed data (the "overlapping" zip bomb)
/*	cannot multiply it.
/* DIAGNOSTICS
/*	An archive that cannot be opened, an empty one, an entry that
/*	cannot be read (encrypted, corrupt) or that inflates beyond
/*	ops->max_bytes go to ops->refuse with the reason.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "buf.h"
#include "unpack.h"

struct zentry {
	zip_file_t *zf;
	uint64_t limit;
	uint64_t *spent;		/* the input's budget, or NULL */
};

/* zentry_fill - read an entry, at most LIMIT bytes */

static ssize_t
zentry_fill(struct rd *r, void *buf, size_t len)
{
	struct zentry *z = r->state;
	zip_int64_t n = zip_fread(z->zf, buf, len);

	if (n < 0) {
		rd_fail(r, "cannot read the zip entry: %s", zip_file_strerror(z->zf));
		return (-1);
	}
	if (z->spent)
		*z->spent += (uint64_t) n;
	if (r->total + (uint64_t) n > z->limit) {
		rd_fail(r, "more than %llu bytes after decompression: refused as "
			"a possible decompression bomb (raise the limit with "
			"--max-size)", (unsigned long long) z->limit);
		return (-1);
	}
	if (z->spent && *z->spent > z->limit) {
		rd_fail_budget(r, z->limit);
		return (-1);
	}
	return ((ssize_t) n);
}

/* zentry_close - close the entry */

static void
zentry_close(struct rd *r)
{
	struct zentry *z = r->state;

	(void) zip_fclose(z->zf);
	free(z);
}

/* zip_from - open the archive R points at; NULL with WHY set */

static zip_t *
zip_from(const struct unpack_ops *ops, struct rd *r, struct buf *why)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t  *za;
	int     code, fd;

	if (r->fd >= 0 || r->mem == NULL) {
		fd = r->fd >= 0 ? dup(r->fd) : rd_spool(r, ops->max_bytes);
		if (fd < 0 && r->fd < 0) {
			buf_printf(why, "%s", rd_error(r));
			return (NULL);
		}
		if (fd < 0 || (za = zip_fdopen(fd, 0, &code)) == NULL) {
			if (fd >= 0)
				(void) close(fd);
			zip_error_init_with_code(&zerr, fd < 0 ? ZIP_ER_OPEN : code);
			buf_printf(why, "not a readable zip archive: %s",
				   zip_error_strerror(&zerr));
			zip_error_fini(&zerr);
			return (NULL);
		}
		return (za);
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(r->mem, r->memlen, 0, &zerr);
	if (src == NULL || (za = zip_open_from_source(src, ZIP_RDONLY, &zerr)) == NULL) {
		buf_printf(why, "not a readable zip archive: %s",
			   zip_error_strerror(&zerr));
		if (src)
			zip_source_free(src);
		zip_error_fini(&zerr);
		return (NULL);
	}
	zip_error_fini(&zerr);
	return (za);
}

/* zip_entry - sort one entry of the archive */

static int
zip_entry(const struct unpack_ops *ops, const char *label, zip_t *za,
	  zip_uint64_t i, int depth)
{
	struct buf sub = BUF_INIT;
	zip_stat_t st;
	struct zentry *z;
	struct rd *r;
	const char *name;

	if (zip_stat_index(za, i, 0, &st) < 0)
		return (0);
	name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "";
	if (*name && name[strlen(name) - 1] == '/')
		return (0);			/* a folder */
	if (*name)
		buf_printf(&sub, "%s!%s", label, name);
	else
		buf_printf(&sub, "%s!(entry %llu)", label, (unsigned long long) i + 1);
	z = calloc(1, sizeof(*z));
	if (z == NULL || (z->zf = zip_fopen_index(za, i, 0)) == NULL) {
		struct buf why = BUF_INIT;

		free(z);
		buf_printf(&why, "cannot open the zip entry: %s", zip_strerror(za));
		ops->refuse(ops->ctx, sub.data, why.data);
		buf_free(&why);
		buf_free(&sub);
		return (1);
	}
	z->limit = ops->max_bytes;
	z->spent = ops->inflated;
	r = rd_new();
	r->fill = zentry_fill;
	r->close = zentry_close;
	r->state = z;
	(void) unpack_rd(ops, sub.data, r, depth + 1, 0);
	rd_close(r);
	buf_free(&sub);
	return (1);
}

/* unpack_zip - every entry of a zip archive */

void
unpack_zip(const struct unpack_ops *ops, const char *label, struct rd *r,
	   int depth)
{
	struct buf why = BUF_INIT;
	zip_t  *za;
	zip_int64_t n, i;
	int     files = 0;

	if ((za = zip_from(ops, r, &why)) == NULL) {
		ops->refuse(ops->ctx, label, why.data);
	} else {
		n = zip_get_num_entries(za, 0);
		for (i = 0; i < n; i++)
			files += zip_entry(ops, label, za, (zip_uint64_t) i, depth);
		if (files == 0)
			ops->refuse(ops->ctx, label, "empty zip archive: no file in it");
		zip_discard(za);
	}
	buf_free(&why);
}
