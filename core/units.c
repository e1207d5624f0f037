#include "units.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

long
units_mul_add(long a, long b, long c)
{
	long r;

	if (a < 0 || c < 0 || __builtin_mul_overflow(a, b, &r) ||
	    __builtin_add_overflow(r, c, &r))
		return -1;
	return r;
}

/* Digits at *p into *v; false when there are none. A number too large for
 * a long sets *v to -1, which units_mul_add then refuses. */
static bool
digits(const char **p, long *v)
{
	const char *s = *p;

	*v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if (*v >= 0)
			*v = units_mul_add(*v, 10, *s - '0');
	if (s == *p)
		return false;
	*p = s;
	return true;
}

int
units_parse_datetime(const char *text, long *epoch, struct err *e)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	struct tm tm;
	time_t t;
	int v[6] = { 0 }, k = 0;

	if (strlen(text) != sizeof shape - 1) {
		const char *end;

		memset(&tm, 0, sizeof tm);
		end = strptime(text, "%a %b %d %H:%M:%S %Y", &tm);
		if (end == NULL || *end != '\0' || !isalpha((unsigned char)*text))
			goto bad;
		tm.tm_isdst = -1;
		goto convert;
	}
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] != 'd') {
			if (text[i] != shape[i])
				goto bad;
			k++;
			continue;
		}
		if (text[i] < '0' || text[i] > '9')
			goto bad;
		v[k] = v[k] * 10 + (text[i] - '0');
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		goto bad;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	tm.tm_isdst = -1;
convert:
	t = mktime(&tm);
	if (t == (time_t)-1)
		goto bad;
	*epoch = (long)t;
	return 0;
bad:
	return err_set(e, "expected a date and time YYYY-MM-DDTHH:MM:SS or "
	    "\"Thu Dec  4 03:00:00 2026\"");
}

static long
suffix_unit(char c)
{
	switch (c) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	default: return 0;
	}
}

int
units_parse_duration(const char *text, long bare_unit, long *seconds,
    struct err *e)
{
	const char *p = text;
	long f[3], days = 0, s;
	int n = 0;
	bool has_days = false;

	if (!digits(&p, &f[0]))
		goto bad;
	if (suffix_unit(*p) != 0 && p[1] == '\0') {
		s = units_mul_add(f[0], suffix_unit(*p), 0);
		goto done;
	}
	if (*p == '-') {
		has_days = true;
		days = f[0];
		p++;
		if (!digits(&p, &f[0]))
			goto bad;
	}
	n = 1;
	while (*p == ':') {
		p++;
		if (n == 3 || !digits(&p, &f[n]))
			goto bad;
		n++;
	}
	if (*p != '\0')
		goto bad;
	if (has_days) {		/* D-H, D-H:M, D-H:M:S */
		s = units_mul_add(units_mul_add(units_mul_add(days, 24, f[0]),
		    60, n > 1 ? f[1] : 0), 60, n > 2 ? f[2] : 0);
	} else if (n == 3) {
		s = units_mul_add(units_mul_add(f[0], 60, f[1]), 60, f[2]);
	} else if (n == 2) {
		s = units_mul_add(f[0], 60, f[1]);
	} else {
		s = units_mul_add(f[0], bare_unit, 0);
	}
done:
	if (s < 0)
		return err_set(e, "too large");
	*seconds = s;
	return 0;
bad:
	return err_set(e, "expected [D-]HH:MM:SS, MM:SS, a number with s, m, "
	    "h or d (90s, 2h, 1d) or a number of %s",
	    bare_unit == UNITS_MINUTE ? "minutes" : "seconds");
}

int
units_parse_size(const char *text, long long bare_unit, long long *bytes,
    struct err *e)
{
	static const char units[] = "KMGT";
	const char *p = text, *u;
	long long v = 0, unit = bare_unit;

	for (; *p >= '0' && *p <= '9'; p++)
		if (v >= 0 && (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *p - '0', &v)))
			v = -1;
	if (p == text)
		goto bad;
	if (*p != '\0' &&
	    (u = strchr(units, toupper((unsigned char)*p))) != NULL) {
		unit = UNITS_KIB << (10 * (u - units));
		p++;
		if (*p == 'b' || *p == 'B')
			p++;
	} else if (*p == 'b' || *p == 'B') {
		unit = 1;
		p++;
	}
	if (*p != '\0')
		goto bad;
	if (v < 0 || __builtin_mul_overflow(v, unit, &v))
		return err_set(e, "too large");
	*bytes = v;
	return 0;
bad:
	return err_set(e, "expected a size such as 4G, 500M or 512 (%s)",
	    bare_unit == UNITS_MIB ? "megabytes" : "bytes");
}

/* Two digits, or all of them for the leading number. */
static char *
put_num(char *o, long v, bool pad2)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	if (pad2 && n < 2)
		tmp[n++] = '0';
	while (n > 0)
		*o++ = tmp[--n];
	return o;
}

static void
put_out(const char *tmp, const char *end, char *out, size_t outlen)
{
	size_t n = (size_t)(end - tmp);

	if (outlen == 0)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

void
units_format_duration(long s, enum units_clock style, char *out,
    size_t outlen)
{
	char tmp[64], *o = tmp;
	bool days = style == UNITS_CLOCK_HMS ? false : s >= 86400;

	if (s < 0) {
		*o++ = '-';
		put_out(tmp, o, out, outlen);
		return;
	}
	if (days) {
		o = put_num(o, s / 86400, false);
		*o++ = '-';
	}
	if (days || style == UNITS_CLOCK_DHMS) {
		o = put_num(o, s / 3600 % 24, true);
		*o++ = ':';
	} else if (style == UNITS_CLOCK_HMS || s >= 3600) {
		o = put_num(o, s / 3600, false);
		*o++ = ':';
	}
	o = put_num(o, s / 60 % 60, o != tmp);
	*o++ = ':';
	o = put_num(o, s % 60, true);
	put_out(tmp, o, out, outlen);
}

void
units_format_size(long long bytes, enum units_size_style style, char *out,
    size_t outlen)
{
	static const char upper[] = "KMGT", lower[] = "kmgt";
	long long v = bytes / UNITS_KIB + (bytes % UNITS_KIB != 0);
	int u = 0;
	char tmp[32], *o = tmp + sizeof tmp;

	if (v == 0)
		u = 1;
	while (v != 0 && u < 3 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (style == UNITS_SIZE_LOWER_B)
		*--o = 'b';
	*--o = style == UNITS_SIZE_LOWER_B ? lower[u] : upper[u];
	do
		*--o = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	put_out(o, tmp + sizeof tmp, out, outlen);
}
