/*
 * HTML character references: &#n; &#xn; (with HTML's replacements) and
 * the named ones of HTML 4 plus &apos; (the names Etherpad's users
 * write; a name outside that set stays as written), those HTML still
 * reads without ";" (&amp &nbsp ...) read without it as well.
 */

#include <string.h>

#include "ngx_pad_html_parse.h"


typedef struct {
    const char  *name;
    uint32_t     cp;
    int          legacy;      /* also read without ";" */
} ngx_pad_html_entity_t;


/* sorted by name (strcmp) */
static const ngx_pad_html_entity_t  ngx_pad_html_entities[] = {
    { "AElig", 198, 1 },
    { "Aacute", 193, 1 },
    { "Acirc", 194, 1 },
    { "Agrave", 192, 1 },
    { "Alpha", 913, 0 },
    { "Aring", 197, 1 },
    { "Atilde", 195, 1 },
    { "Auml", 196, 1 },
    { "Beta", 914, 0 },
    { "Ccedil", 199, 1 },
    { "Chi", 935, 0 },
    { "Dagger", 8225, 0 },
    { "Delta", 916, 0 },
    { "ETH", 208, 1 },
    { "Eacute", 201, 1 },
    { "Ecirc", 202, 1 },
    { "Egrave", 200, 1 },
    { "Epsilon", 917, 0 },
    { "Eta", 919, 0 },
    { "Euml", 203, 1 },
    { "Gamma", 915, 0 },
    { "Iacute", 205, 1 },
    { "Icirc", 206, 1 },
    { "Igrave", 204, 1 },
    { "Iota", 921, 0 },
    { "Iuml", 207, 1 },
    { "Kappa", 922, 0 },
    { "Lambda", 923, 0 },
    { "Mu", 924, 0 },
    { "Ntilde", 209, 1 },
    { "Nu", 925, 0 },
    { "OElig", 338, 0 },
    { "Oacute", 211, 1 },
    { "Ocirc", 212, 1 },
    { "Ograve", 210, 1 },
    { "Omega", 937, 0 },
    { "Omicron", 927, 0 },
    { "Oslash", 216, 1 },
    { "Otilde", 213, 1 },
    { "Ouml", 214, 1 },
    { "Phi", 934, 0 },
    { "Pi", 928, 0 },
    { "Prime", 8243, 0 },
    { "Psi", 936, 0 },
    { "Rho", 929, 0 },
    { "Scaron", 352, 0 },
    { "Sigma", 931, 0 },
    { "THORN", 222, 1 },
    { "Tau", 932, 0 },
    { "Theta", 920, 0 },
    { "Uacute", 218, 1 },
    { "Ucirc", 219, 1 },
    { "Ugrave", 217, 1 },
    { "Upsilon", 933, 0 },
    { "Uuml", 220, 1 },
    { "Xi", 926, 0 },
    { "Yacute", 221, 1 },
    { "Yuml", 376, 0 },
    { "Zeta", 918, 0 },
    { "aacute", 225, 1 },
    { "acirc", 226, 1 },
    { "acute", 180, 1 },
    { "aelig", 230, 1 },
    { "agrave", 224, 1 },
    { "alefsym", 8501, 0 },
    { "alpha", 945, 0 },
    { "amp", 38, 1 },
    { "and", 8743, 0 },
    { "ang", 8736, 0 },
    { "apos", 39, 0 },
    { "aring", 229, 1 },
    { "asymp", 8776, 0 },
    { "atilde", 227, 1 },
    { "auml", 228, 1 },
    { "bdquo", 8222, 0 },
    { "beta", 946, 0 },
    { "brvbar", 166, 1 },
    { "bull", 8226, 0 },
    { "cap", 8745, 0 },
    { "ccedil", 231, 1 },
    { "cedil", 184, 1 },
    { "cent", 162, 1 },
    { "chi", 967, 0 },
    { "circ", 710, 0 },
    { "clubs", 9827, 0 },
    { "cong", 8773, 0 },
    { "copy", 169, 1 },
    { "crarr", 8629, 0 },
    { "cup", 8746, 0 },
    { "curren", 164, 1 },
    { "dArr", 8659, 0 },
    { "dagger", 8224, 0 },
    { "darr", 8595, 0 },
    { "deg", 176, 1 },
    { "delta", 948, 0 },
    { "diams", 9830, 0 },
    { "divide", 247, 1 },
    { "eacute", 233, 1 },
    { "ecirc", 234, 1 },
    { "egrave", 232, 1 },
    { "empty", 8709, 0 },
    { "emsp", 8195, 0 },
    { "ensp", 8194, 0 },
    { "epsilon", 949, 0 },
    { "equiv", 8801, 0 },
    { "eta", 951, 0 },
    { "eth", 240, 1 },
    { "euml", 235, 1 },
    { "euro", 8364, 0 },
    { "exist", 8707, 0 },
    { "fnof", 402, 0 },
    { "forall", 8704, 0 },
    { "frac12", 189, 1 },
    { "frac14", 188, 1 },
    { "frac34", 190, 1 },
    { "frasl", 8260, 0 },
    { "gamma", 947, 0 },
    { "ge", 8805, 0 },
    { "gt", 62, 1 },
    { "hArr", 8660, 0 },
    { "harr", 8596, 0 },
    { "hearts", 9829, 0 },
    { "hellip", 8230, 0 },
    { "iacute", 237, 1 },
    { "icirc", 238, 1 },
    { "iexcl", 161, 1 },
    { "igrave", 236, 1 },
    { "image", 8465, 0 },
    { "infin", 8734, 0 },
    { "int", 8747, 0 },
    { "iota", 953, 0 },
    { "iquest", 191, 1 },
    { "isin", 8712, 0 },
    { "iuml", 239, 1 },
    { "kappa", 954, 0 },
    { "lArr", 8656, 0 },
    { "lambda", 955, 0 },
    { "lang", 9001, 0 },
    { "laquo", 171, 1 },
    { "larr", 8592, 0 },
    { "lceil", 8968, 0 },
    { "ldquo", 8220, 0 },
    { "le", 8804, 0 },
    { "lfloor", 8970, 0 },
    { "lowast", 8727, 0 },
    { "loz", 9674, 0 },
    { "lrm", 8206, 0 },
    { "lsaquo", 8249, 0 },
    { "lsquo", 8216, 0 },
    { "lt", 60, 1 },
    { "macr", 175, 1 },
    { "mdash", 8212, 0 },
    { "micro", 181, 1 },
    { "middot", 183, 1 },
    { "minus", 8722, 0 },
    { "mu", 956, 0 },
    { "nabla", 8711, 0 },
    { "nbsp", 160, 1 },
    { "ndash", 8211, 0 },
    { "ne", 8800, 0 },
    { "ni", 8715, 0 },
    { "not", 172, 1 },
    { "notin", 8713, 0 },
    { "nsub", 8836, 0 },
    { "ntilde", 241, 1 },
    { "nu", 957, 0 },
    { "oacute", 243, 1 },
    { "ocirc", 244, 1 },
    { "oelig", 339, 0 },
    { "ograve", 242, 1 },
    { "oline", 8254, 0 },
    { "omega", 969, 0 },
    { "omicron", 959, 0 },
    { "oplus", 8853, 0 },
    { "or", 8744, 0 },
    { "ordf", 170, 1 },
    { "ordm", 186, 1 },
    { "oslash", 248, 1 },
    { "otilde", 245, 1 },
    { "otimes", 8855, 0 },
    { "ouml", 246, 1 },
    { "para", 182, 1 },
    { "part", 8706, 0 },
    { "permil", 8240, 0 },
    { "perp", 8869, 0 },
    { "phi", 966, 0 },
    { "pi", 960, 0 },
    { "piv", 982, 0 },
    { "plusmn", 177, 1 },
    { "pound", 163, 1 },
    { "prime", 8242, 0 },
    { "prod", 8719, 0 },
    { "prop", 8733, 0 },
    { "psi", 968, 0 },
    { "quot", 34, 1 },
    { "rArr", 8658, 0 },
    { "radic", 8730, 0 },
    { "rang", 9002, 0 },
    { "raquo", 187, 1 },
    { "rarr", 8594, 0 },
    { "rceil", 8969, 0 },
    { "rdquo", 8221, 0 },
    { "real", 8476, 0 },
    { "reg", 174, 1 },
    { "rfloor", 8971, 0 },
    { "rho", 961, 0 },
    { "rlm", 8207, 0 },
    { "rsaquo", 8250, 0 },
    { "rsquo", 8217, 0 },
    { "sbquo", 8218, 0 },
    { "scaron", 353, 0 },
    { "sdot", 8901, 0 },
    { "sect", 167, 1 },
    { "shy", 173, 1 },
    { "sigma", 963, 0 },
    { "sigmaf", 962, 0 },
    { "sim", 8764, 0 },
    { "spades", 9824, 0 },
    { "sub", 8834, 0 },
    { "sube", 8838, 0 },
    { "sum", 8721, 0 },
    { "sup", 8835, 0 },
    { "sup1", 185, 1 },
    { "sup2", 178, 1 },
    { "sup3", 179, 1 },
    { "supe", 8839, 0 },
    { "szlig", 223, 1 },
    { "tau", 964, 0 },
    { "there4", 8756, 0 },
    { "theta", 952, 0 },
    { "thetasym", 977, 0 },
    { "thinsp", 8201, 0 },
    { "thorn", 254, 1 },
    { "tilde", 732, 0 },
    { "times", 215, 1 },
    { "trade", 8482, 0 },
    { "uArr", 8657, 0 },
    { "uacute", 250, 1 },
    { "uarr", 8593, 0 },
    { "ucirc", 251, 1 },
    { "ugrave", 249, 1 },
    { "uml", 168, 1 },
    { "upsih", 978, 0 },
    { "upsilon", 965, 0 },
    { "uuml", 252, 1 },
    { "weierp", 8472, 0 },
    { "xi", 958, 0 },
    { "yacute", 253, 1 },
    { "yen", 165, 1 },
    { "yuml", 255, 1 },
    { "zeta", 950, 0 },
    { "zwj", 8205, 0 },
    { "zwnj", 8204, 0 },
};

#define NGX_PAD_HTML_NENTITIES                                              \
    (sizeof(ngx_pad_html_entities) / sizeof(ngx_pad_html_entities[0]))


/* what &#128; .. &#159; are read as (windows-1252), 0: left as it is */
static const uint16_t  ngx_pad_html_c1[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};


static int
ngx_pad_html_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z');
}


static const ngx_pad_html_entity_t *
ngx_pad_html_entity_find(const char *p, size_t n)
{
    int     c;
    size_t  lo, hi, mid, l;

    lo = 0;
    hi = NGX_PAD_HTML_NENTITIES;

    while (lo < hi) {
        mid = (lo + hi) / 2;
        l = strlen(ngx_pad_html_entities[mid].name);
        c = memcmp(ngx_pad_html_entities[mid].name, p, l < n ? l : n);

        if (c == 0) {
            c = (l > n) - (l < n);
        }

        if (c == 0) {
            return &ngx_pad_html_entities[mid];
        }

        if (c < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}


size_t
ngx_pad_html_entity(const char *p, size_t n, int in_attr, uint32_t *cp)
{
    size_t                        i, l;
    uint32_t                      v;
    const ngx_pad_html_entity_t  *e;

    /* p is after the '&'; returns the bytes read after it, 0: not one */

    if (n > 0 && p[0] == '#') {
        v = 0;
        i = 1;

        if (n > 1 && (p[1] == 'x' || p[1] == 'X')) {
            for (i = 2; i < n; i++) {
                if (p[i] >= '0' && p[i] <= '9') {
                    v = v * 16 + (p[i] - '0');
                } else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f') {
                    v = v * 16 + ((p[i] | 0x20) - 'a' + 10);
                } else {
                    break;
                }

                if (v > 0x10ffff) {
                    v = 0x110000;
                }
            }

            if (i == 2) {
                return 0;
            }

        } else {
            for ( /* void */ ; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
                v = v * 10 + (p[i] - '0');

                if (v > 0x10ffff) {
                    v = 0x110000;
                }
            }

            if (i == 1) {
                return 0;
            }
        }

        if (i < n && p[i] == ';') {
            i++;
        }

        if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
            v = 0xfffd;

        } else if (v >= 0x80 && v <= 0x9f && ngx_pad_html_c1[v - 0x80]) {
            v = ngx_pad_html_c1[v - 0x80];
        }

        *cp = v;

        return i;
    }

    for (l = 0; l < n && l < 32 && ngx_pad_html_alnum(p[l]); l++) {
        /* void */
    }

    if (l < n && p[l] == ';' && (e = ngx_pad_html_entity_find(p, l)) != NULL)
    {
        *cp = e->cp;
        return l + 1;
    }

    /* the longest name read without ";" */

    for ( /* void */ ; l > 0; l--) {
        e = ngx_pad_html_entity_find(p, l);

        if (e == NULL || !e->legacy) {
            continue;
        }

        if (in_attr && l < n && (ngx_pad_html_alnum(p[l]) || p[l] == '=')) {
            return 0;
        }

        *cp = e->cp;
        return l;
    }

    return 0;
}
