/* lines.c: text mode's line loops of storyline/extract: a page split into lines and each
 * line's shape, words and counts (split_lines, line_shapes, lines_holding, joined_samples,
 * line_token_sums, layout_columns, context_rows: references in
 * storyline/extract/_lines.py; candidate_rows in storyline/extract/_titles.py;
 * corpus_counts in storyline/extract/boilerplate.py; tree_decision, the tree ensemble of
 * storyline/extract/_trees.py; the table of them in storyline/extract/compiled_loops.py).
 * Uses no other part; features.c uses its fnv1a and str_lower (set in module.c's init). */

/* str.istitle, str.isupper and str.isdigit of an ASCII word ([A-Za-z0-9_]+). */
static void ascii_cases(const unsigned char *w, Py_ssize_t n, int *title, int *upper, int *digit) {
    int cased = 0, previous_cased = 0, lower_seen = 0, title_ok = 1, digits = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = w[i];
        if (c >= 'A' && c <= 'Z') {
            if (previous_cased) {
                title_ok = 0;
            }
            previous_cased = cased = 1;
        } else if (c >= 'a' && c <= 'z') {
            if (!previous_cased) {
                title_ok = 0;
            }
            previous_cased = cased = lower_seen = 1;
        } else {
            previous_cased = 0;
        }
        if (c < '0' || c > '9') {
            digits = 0;
        }
    }
    *title = title_ok && cased;
    *upper = cased && !lower_seen;
    *digit = digits && n > 0;
}

/* What an ASCII word's facts are computed from (see line_token_sums). */
typedef struct {
    /* codes: lower-case word (bytes) -> code, copied into an open-addressing table (speed:
     * no bytes object and dict lookup per word); a slot's start is -1 where empty */
    char *code_words;
    Py_ssize_t *code_start, *code_len;
    long long *code;
    size_t code_mask;
    Py_ssize_t longest_code;   /* the longest word in codes */
    PyObject *ends;            /* tuple of bytes */
    unsigned char last[256];   /* last bytes of the ends */
    uint64_t by_last[256];     /* bit k: end k may end a word with this byte (where at most 64 ends) */
    int few_ends;
    const char *inside;
    Py_ssize_t inside_len;
    long long shift[8];
} WordRules;

/* FNV-1a, the code table's hash. */
static inline uint64_t fnv1a(const unsigned char *w, Py_ssize_t n) {
    uint64_t h = 14695981039346656037u;
    for (Py_ssize_t i = 0; i < n; i++) {
        h = (h ^ w[i]) * 1099511628211u;
    }
    return h;
}

/* The index of the lowest set bit of a non-zero word. */
static inline Py_ssize_t lowest_bit(uint64_t bits) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(bits);
#else
    Py_ssize_t k = 0;
    for (; !(bits & 1); bits >>= 1) {
        k++;
    }
    return k;
#endif
}

/* The packed facts of one ASCII word (storyline.extract._lines._token_facts); -1 with
 * an exception set on failure. ``low`` is scratch space of n bytes. */
static long long ascii_word_facts(const unsigned char *w, Py_ssize_t n, unsigned char *low, const WordRules *rules) {
    for (Py_ssize_t i = 0; i < n; i++) {
        low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (unsigned char)(w[i] + 32) : w[i];
    }
    long long code = 0;
    if (n <= rules->longest_code) {
        for (size_t slot = (size_t)fnv1a(low, n) & rules->code_mask; rules->code_start[slot] >= 0;
             slot = (slot + 1) & rules->code_mask) {
            if (rules->code_len[slot] == n && memcmp(rules->code_words + rules->code_start[slot], low, (size_t)n) == 0) {
                code = rules->code[slot];
                break;
            }
        }
    }
    const long long *shift = rules->shift;
    PyObject *ends = rules->ends;
    const char *inside = rules->inside;
    Py_ssize_t inside_len = rules->inside_len;
    int phrase = 0;
    if (n > 0 && rules->last[low[n - 1]]) {
        /* where the ends are few, only those with the word's last byte are compared (speed:
         * most words end with the last byte of some end, and a compare each was the cost) */
        uint64_t bits = rules->by_last[low[n - 1]];
        Py_ssize_t k = rules->few_ends ? (bits ? lowest_bit(bits) : PyTuple_GET_SIZE(ends)) : 0;
        while (k < PyTuple_GET_SIZE(ends) && !phrase) {
            PyObject *end = PyTuple_GET_ITEM(ends, k);
            Py_ssize_t m = PyBytes_GET_SIZE(end);
            phrase = m <= n && memcmp(low + n - m, PyBytes_AS_STRING(end), (size_t)m) == 0;
            if (rules->few_ends) {
                bits &= bits - 1;
                k = bits ? lowest_bit(bits) : PyTuple_GET_SIZE(ends);
            } else {
                k++;
            }
        }
    }
    for (Py_ssize_t i = 0; !phrase && i + inside_len <= n; i++) { /* "" is in every word, as in Python */
        phrase = memcmp(low + i, inside, (size_t)inside_len) == 0;
    }
    int title, upper, digit;
    ascii_cases(w, n, &title, &upper, &digit);
    /* shift: tokens, stop, chrome, digit, title, upper, chars, phrase_word */
    return (1LL << shift[0]) | ((code & 1) << shift[1]) | (((code & 2) >> 1) << shift[2])
           | ((long long)digit << shift[3]) | ((long long)title << shift[4]) | ((long long)upper << shift[5])
           | ((long long)n << shift[6]) | ((long long)phrase << shift[7]);
}

PyDoc_STRVAR(line_token_sums_doc,
"line_token_sums(text, table, codes, ends, inside, shifts, memo, miss) -> bytes\n\n"
"The per-line sums of the packed token facts of ``text`` (UTF-8 lines joined by\n"
"newlines), as native int64s, one per line. A chunk is a maximal run of bytes whose\n"
"``table`` entry is neither 0 (a line break) nor 32 (a separator); every other entry\n"
"maps a byte to itself. An ASCII chunk is one\n"
"word, its facts computed here (``codes``: lower-case word -> 1 stop word | 2 chrome\n"
"word; a phrase word ends with one of ``ends`` or holds ``inside``; ``shifts``: the eight\n"
"fields' bit offsets); another chunk's facts are ``memo[chunk]``, or ``miss(chunk)``.\n"
"As the reference in storyline/extract/_lines.py, which looks every chunk up in the memo\n"
"(here the large memo stays out of the CPU's caches: that lookup was the cost).");

static PyObject *line_token_sums(PyObject *self, PyObject *args) {
    Py_buffer text, table;
    PyObject *codes, *ends, *memo, *miss, *shifts;
    const char *inside;
    Py_ssize_t inside_len;
    if (!PyArg_ParseTuple(args, "y*y*O!O!y#O!O!O:line_token_sums", &text, &table, &PyDict_Type, &codes,
                          &PyTuple_Type, &ends, &inside, &inside_len, &PyTuple_Type, &shifts, &PyDict_Type,
                          &memo, &miss)) {
        return NULL;
    }
    PyObject *out = NULL;
    unsigned char *low = NULL;
    WordRules rules = {.longest_code = 0, .ends = ends, .inside = inside, .inside_len = inside_len};
    long long *shift = rules.shift;
    memset(rules.last, 0, sizeof rules.last);
    memset(rules.by_last, 0, sizeof rules.by_last);
    rules.few_ends = PyTuple_GET_SIZE(ends) <= 64;
    if (table.len != 256 || PyTuple_GET_SIZE(shifts) != 8) {
        PyErr_SetString(PyExc_ValueError, "line_token_sums: a 256-byte table and eight shifts are needed");
        goto done;
    }
    /* chunks are read from the text itself: a chunk byte must map to itself */
    for (int b = 0; b < 256; b++) {
        unsigned char to = ((const unsigned char *)table.buf)[b];
        if (to != 0 && to != 32 && to != b) {
            PyErr_SetString(PyExc_ValueError, "line_token_sums: each table entry must be 0, 32 or its own byte");
            goto done;
        }
    }
    for (int k = 0; k < 8; k++) {
        shift[k] = PyLong_AsLongLong(PyTuple_GET_ITEM(shifts, k));
        if (shift[k] == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (shift[k] < 0 || shift[k] > 62) {
            PyErr_SetString(PyExc_ValueError, "line_token_sums: a shift out of range");
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(ends); k++) {
        PyObject *end = PyTuple_GET_ITEM(ends, k);
        if (!PyBytes_Check(end)) {
            PyErr_SetString(PyExc_TypeError, "line_token_sums: the ends must be bytes");
            goto done;
        }
        Py_ssize_t m = PyBytes_GET_SIZE(end);
        for (int b = 0; b < 256; b++) {
            /* every word ends with an empty end: it goes with every last byte */
            if (m == 0 || (unsigned char)PyBytes_AS_STRING(end)[m - 1] == b) {
                rules.last[b] = 1;
                rules.by_last[b] |= rules.few_ends ? (uint64_t)1 << k : 0;
            }
        }
    }
    {
        /* the table: a key that is not bytes equals no word's bytes and is left out */
        Py_ssize_t pos = 0, used = 0, chars = 0;
        PyObject *word, *value;
        while (PyDict_Next(codes, &pos, &word, &value)) {
            if (PyBytes_Check(word)) {
                used++;
                chars += PyBytes_GET_SIZE(word);
            }
        }
        size_t cap = 16;
        while (cap < 2 * (size_t)used) {
            cap *= 2;
        }
        rules.code_mask = cap - 1;
        rules.code_words = PyMem_Malloc(chars > 0 ? (size_t)chars : 1);
        rules.code_start = PyMem_Malloc(cap * sizeof(Py_ssize_t));
        rules.code_len = PyMem_Malloc(cap * sizeof(Py_ssize_t));
        rules.code = PyMem_Malloc(cap * sizeof(long long));
        if (rules.code_words == NULL || rules.code_start == NULL || rules.code_len == NULL || rules.code == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (size_t k = 0; k < cap; k++) {
            rules.code_start[k] = -1;
        }
        pos = 0;
        chars = 0;
        while (PyDict_Next(codes, &pos, &word, &value)) {
            if (!PyBytes_Check(word)) {
                continue;
            }
            long long code = PyLong_AsLongLong(value);
            if (code == -1 && PyErr_Occurred()) {
                goto done;
            }
            Py_ssize_t m = PyBytes_GET_SIZE(word);
            size_t slot = (size_t)fnv1a((const unsigned char *)PyBytes_AS_STRING(word), m) & rules.code_mask;
            while (rules.code_start[slot] >= 0) {
                slot = (slot + 1) & rules.code_mask;
            }
            memcpy(rules.code_words + chars, PyBytes_AS_STRING(word), (size_t)m);
            rules.code_start[slot] = chars;
            rules.code_len[slot] = m;
            rules.code[slot] = code;
            chars += m;
            if (m > rules.longest_code) {
                rules.longest_code = m;
            }
        }
    }
    const unsigned char *map = (const unsigned char *)table.buf;
    const unsigned char *at = (const unsigned char *)text.buf;
    Py_ssize_t n = text.len, lines = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        lines += map[at[i]] == 0;
    }
    low = PyMem_Malloc(n > 0 ? (size_t)n : 1);
    if (low == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, lines * (Py_ssize_t)sizeof(long long));
    if (out == NULL) {
        goto done;
    }
    long long *sums = (long long *)PyBytes_AS_STRING(out);
    Py_ssize_t line = 0;
    sums[0] = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char kind = map[at[i]];
        if (kind == 0) {
            sums[++line] = 0;
            i++;
            continue;
        }
        if (kind == 32) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int ascii = 1;
        while (i < n && map[at[i]] != 0 && map[at[i]] != 32) {
            ascii &= at[i] < 128;
            i++;
        }
        long long value;
        if (ascii) {
            /* a chunk byte maps to itself: the chunk is the text's bytes */
            value = ascii_word_facts(at + start, i - start, low, &rules);
            if (value == -1 && PyErr_Occurred()) {
                Py_CLEAR(out);
                goto done;
            }
        } else {
            PyObject *chunk = PyBytes_FromStringAndSize((const char *)at + start, i - start);
            if (chunk == NULL) {
                Py_CLEAR(out);
                goto done;
            }
            PyObject *facts = PyDict_GetItemWithError(memo, chunk);
            if (facts != NULL) {
                Py_INCREF(facts);
            } else if (!PyErr_Occurred()) {
                facts = PyObject_CallOneArg(miss, chunk);
            }
            Py_DECREF(chunk);
            if (facts == NULL) {
                Py_CLEAR(out);
                goto done;
            }
            value = PyLong_AsLongLong(facts);
            Py_DECREF(facts);
            if (value == -1 && PyErr_Occurred()) {
                Py_CLEAR(out);
                goto done;
            }
        }
        sums[line] += value;
    }
done:
    PyMem_Free(low);
    PyMem_Free(rules.code_words);
    PyMem_Free(rules.code_start);
    PyMem_Free(rules.code_len);
    PyMem_Free(rules.code);
    PyBuffer_Release(&text);
    PyBuffer_Release(&table);
    return out;
}

/* Where str.splitlines ends a line (\r\n is one break, see split_lines). */
static inline int is_line_break(Py_UCS4 c) {
    if (c > 0x1e) {
        return c == 0x85 || c == 0x2028 || c == 0x2029;
    }
    return (c >= 0x0a && c <= 0x0d) || c >= 0x1c;
}

/* The index of the line break that ends the line starting at page[i] (n where none
 * does); *ascii: whether the line is all ASCII. */
static Py_ssize_t line_end(int kind, const void *data, Py_ssize_t i, Py_ssize_t n, int *ascii) {
    Py_UCS4 bits = 0; /* of the characters not skipped eight bytes at a time */
    Py_ssize_t lanes = 1;
    uint64_t high = 0, add = 0, bit = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        lanes = 8;
        high = bit = 0x8080808080808080u;
        add = 0x6060606060606060u;
    } else if (kind == PyUnicode_2BYTE_KIND) {
        lanes = 4;
        high = 0xFF80FF80FF80FF80u;
        add = 0x0060006000600060u;
        bit = 0x0080008000800080u;
    }
    for (;;) {
        /* skip eight bytes at a time while each character is 0x20-0x7f: no line break and
         * ASCII (speed). A lane of 0x80 or more fails the first test; with none, adding
         * 0x60 carries into no other lane and sets bit 7 of each lane of 0x20 or more */
        while (lanes > 1 && i + lanes <= n) {
            uint64_t x;
            memcpy(&x, (const char *)data + i * kind, 8);
            if ((x & high) != 0 || ((x + add) & bit) != bit) {
                break;
            }
            i += lanes;
        }
        Py_ssize_t stop = i + lanes < n ? i + lanes : n;
        for (; i < stop; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (is_line_break(c)) {
                *ascii = bits < 128;
                return i;
            }
            bits |= c;
        }
        if (i >= n) {
            *ascii = bits < 128;
            return n;
        }
    }
}

/* page[start:end] where it is all ASCII, made directly (no search for its widest character). */
static PyObject *ascii_substring(int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    PyObject *out = PyUnicode_New(end - start, 127);
    if (out == NULL) {
        return NULL;
    }
    Py_UCS1 *to = PyUnicode_1BYTE_DATA(out);
    if (kind == PyUnicode_1BYTE_KIND) {
        memcpy(to, (const Py_UCS1 *)data + start, (size_t)(end - start));
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *from = (const Py_UCS2 *)data + start;
        for (Py_ssize_t k = 0; k < end - start; k++) {
            to[k] = (Py_UCS1)from[k];
        }
    } else {
        const Py_UCS4 *from = (const Py_UCS4 *)data + start;
        for (Py_ssize_t k = 0; k < end - start; k++) {
            to[k] = (Py_UCS1)from[k];
        }
    }
    return out;
}

/* Names and the separator of the str methods the keys of other lines are made with; the
 * separator and replacement of the headline candidates' keys. */
static PyObject *str_lower = NULL, *str_isprintable = NULL, *one_space = NULL, *line_feed = NULL, *no_chars = NULL;

/* A body's key by the str methods: low = body.lower(); low if low.isprintable() and it has
 * no "  " and no space at either end, else " ".join(low.split()). */
static PyObject *key_by_methods(PyObject *body) {
    PyObject *low = PyObject_CallMethodNoArgs(body, str_lower);
    if (low == NULL) {
        return NULL;
    }
    PyObject *printable = PyObject_CallMethodNoArgs(low, str_isprintable);
    if (printable == NULL) {
        Py_DECREF(low);
        return NULL;
    }
    int clean = PyObject_IsTrue(printable);
    Py_DECREF(printable);
    if (clean < 0) {
        Py_DECREF(low);
        return NULL;
    }
    int kind = PyUnicode_KIND(low);
    const void *data = PyUnicode_DATA(low);
    Py_ssize_t n = PyUnicode_GET_LENGTH(low);
    for (Py_ssize_t i = 0; clean && i < n; i++) {
        if (PyUnicode_READ(kind, data, i) == ' '
            && (i == 0 || i == n - 1 || PyUnicode_READ(kind, data, i + 1) == ' ')) {
            clean = 0;
        }
    }
    if (clean) {
        return low;
    }
    PyObject *words = PyUnicode_Split(low, NULL, -1);
    Py_DECREF(low);
    if (words == NULL) {
        return NULL;
    }
    PyObject *key = PyUnicode_Join(one_space, words);
    Py_DECREF(words);
    return key;
}

/* The key of an ASCII body, as key_by_methods makes it. The tests are loops without a
 * branch on a character (the compiler vectorizes them). ``scratch``: a byte a character. */
static PyObject *ascii_key(PyObject *body, Py_UCS1 *scratch) {
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(body);
    Py_ssize_t n = PyUnicode_GET_LENGTH(body);
    int upper = 0, odd = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (Py_ssize_t i = 0; i < n; i++) {
        upper |= (Py_UCS1)(s[i] - 'A') < 26;
        odd |= (s[i] < 0x20) | (s[i] == 0x7f); /* not printable */
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        odd |= (s[i] == ' ') & (s[i - 1] == ' ');
    }
    if (!odd && !upper) {
        Py_INCREF(body);
        return body;
    }
    Py_ssize_t k = 0;
    if (!odd) {
        for (; k < n; k++) {
            scratch[k] = (Py_UCS1)(s[k] + (((Py_UCS1)(s[k] - 'A') < 26) << 5));
        }
    } else {
        /* " ".join(low.split()) */
        int in_word = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS1 c = s[i];
            if (Py_UNICODE_ISSPACE(c)) {
                in_word = 0;
                continue;
            }
            if (!in_word && k > 0) {
                scratch[k++] = ' ';
            }
            in_word = 1;
            scratch[k++] = (Py_UCS1)(c + (((Py_UCS1)(c - 'A') < 26) << 5));
        }
    }
    PyObject *key = PyUnicode_New(k, 127);
    if (key != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(key), scratch, (size_t)k);
    }
    return key;
}

/* The key of a body that is not all ASCII, as key_by_methods makes it. Made here where
 * each other character has an entry in ``lower`` (the one printable, non-space character
 * that str.lower makes of it, or 0), since then lower() maps each character by itself;
 * else by the str methods. ``buf``: scratch space of as many characters as the body. */
static PyObject *wide_key(PyObject *body, PyObject *lower, Py_UCS4 *buf) {
    int kind = PyUnicode_KIND(body), lower_kind = PyUnicode_KIND(lower);
    const void *data = PyUnicode_DATA(body), *lower_data = PyUnicode_DATA(lower);
    Py_ssize_t n = PyUnicode_GET_LENGTH(body), lower_len = PyUnicode_GET_LENGTH(lower);
    /* as UCS4, then the tests in loops without a branch on a character (vectorized) */
    if (kind == PyUnicode_1BYTE_KIND) {
        for (Py_ssize_t i = 0; i < n; i++) {
            buf[i] = ((const Py_UCS1 *)data)[i];
        }
    } else if (kind == PyUnicode_2BYTE_KIND) {
        for (Py_ssize_t i = 0; i < n; i++) {
            buf[i] = ((const Py_UCS2 *)data)[i];
        }
    } else {
        memcpy(buf, data, (size_t)n * sizeof(Py_UCS4));
    }
    int changed = 0, odd = n > 0 && (buf[0] == ' ' || buf[n - 1] == ' ');
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 upper = buf[i] - 'A' < 26u;
        changed |= upper;
        odd |= (buf[i] < 0x20) | (buf[i] == 0x7f); /* not printable */
        buf[i] += upper << 5;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        odd |= (buf[i] == ' ') & (buf[i - 1] == ' ');
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (buf[i] >= 128) {
            Py_UCS4 low = buf[i] < lower_len ? PyUnicode_READ(lower_kind, lower_data, buf[i]) : 0;
            if (low == 0) {
                return key_by_methods(body);
            }
            changed |= low != buf[i];
            buf[i] = low;
        }
    }
    if (!odd && !changed) {
        Py_INCREF(body);
        return body;
    }
    if (odd) {
        /* " ".join(low.split()) in place: the non-ASCII characters here are no spaces */
        Py_ssize_t k = 0;
        int in_word = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (buf[i] < 128 && Py_UNICODE_ISSPACE(buf[i])) {
                in_word = 0;
                continue;
            }
            if (!in_word && k > 0) {
                buf[k++] = ' ';
            }
            in_word = 1;
            buf[k++] = buf[i];
        }
        n = k;
    }
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, n);
}

/* Appends a new reference to a list and drops it; -1 with an exception set on failure. */
static int append_new(PyObject *list, PyObject *item) {
    if (item == NULL) {
        return -1;
    }
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

PyDoc_STRVAR(split_lines_doc,
"split_lines(page, blanks, bullets, lower) -> (texts, indents, blank_before, blank_after, keys, bodies)\n\n"
"The fields of storyline.extract._lines.split_lines's PageLines, as its reference computes\n"
"them: the lines of ``page`` (str.splitlines) stripped (str.strip), but empty ones and\n"
"those that are one character of ``blanks``; indents count leading whitespace, a tab as\n"
"four; a body drops a bullet (a character of ``bullets`` and a space); a key is the body\n"
"lower-cased, its whitespace collapsed. ``lower``: for each code point below its length,\n"
"the one printable, non-space character that str.lower makes of it, else NUL (the keys of\n"
"lines with other non-ASCII characters are made by the str methods).");

static PyObject *split_lines(PyObject *self, PyObject *args) {
    PyObject *page, *blanks, *bullets, *lower;
    if (!PyArg_ParseTuple(args, "UUUU:split_lines", &page, &blanks, &bullets, &lower)) {
        return NULL;
    }
    enum { TEXTS, INDENTS, BLANK_BEFORE, BLANK_AFTER, KEYS, BODIES, FIELDS };
    PyObject *lists[FIELDS] = {NULL};
    PyObject *out = NULL;
    Py_UCS4 *buf = NULL;
    int kind = PyUnicode_KIND(page);
    const void *data = PyUnicode_DATA(page);
    Py_ssize_t n = PyUnicode_GET_LENGTH(page);
    Py_ssize_t blanks_len = PyUnicode_GET_LENGTH(blanks), bullets_len = PyUnicode_GET_LENGTH(bullets);
    for (int k = 0; k < FIELDS; k++) {
        if ((lists[k] = PyList_New(0)) == NULL) {
            goto done;
        }
    }
    Py_ssize_t i = 0, line = 0, last_kept = -2, capacity = 0;
    while (i < n) {
        Py_ssize_t start = i;
        int ascii;
        Py_ssize_t end = i = line_end(kind, data, i, n, &ascii);
        if (i < n) {
            i += PyUnicode_READ(kind, data, i) == '\r' && i + 1 < n && PyUnicode_READ(kind, data, i + 1) == '\n' ? 2 : 1;
        }
        Py_ssize_t index = line++;
        /* strip; the indent counts a tab in it as four */
        Py_ssize_t first = start, stop = end, tabs = 0;
        Py_UCS4 c;
        while (first < stop && Py_UNICODE_ISSPACE(c = PyUnicode_READ(kind, data, first))) {
            tabs += c == '\t';
            first++;
        }
        while (stop > first && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, stop - 1))) {
            stop--;
        }
        if (first == stop) {
            continue;
        }
        c = PyUnicode_READ(kind, data, first);
        if (stop - first == 1) {
            Py_ssize_t at = PyUnicode_FindChar(blanks, c, 0, blanks_len, 1);
            if (at == -2) {
                goto done;
            }
            if (at >= 0) {
                continue;
            }
        }
        Py_ssize_t bullet = 0;
        if (stop - first >= 2 && PyUnicode_READ(kind, data, first + 1) == ' ') {
            Py_ssize_t at = PyUnicode_FindChar(bullets, c, 0, bullets_len, 1);
            if (at == -2) {
                goto done;
            }
            bullet = at >= 0 ? 2 : 0;
        }
        if (stop - first > capacity) {
            /* the keys' scratch space: as long as the longest line so far, not the page */
            PyMem_Free(buf);
            capacity = stop - first;
            buf = PyMem_Malloc((size_t)capacity * sizeof(Py_UCS4));
            if (buf == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
        PyObject *text = ascii ? ascii_substring(kind, data, first, stop) : PyUnicode_Substring(page, first, stop);
        if (text == NULL) {
            goto done;
        }
        PyObject *body = text;
        Py_INCREF(body);
        if (bullet) {
            Py_SETREF(body, PyUnicode_Substring(text, bullet, stop - first));
        }
        PyObject *key = body == NULL ? NULL
                        : ascii ? ascii_key(body, (Py_UCS1 *)buf)
                                : wide_key(body, lower, buf);
        /* each append drops its item, so all three run */
        int failed = append_new(lists[TEXTS], text) < 0;
        failed |= append_new(lists[BODIES], body) < 0;
        failed |= append_new(lists[KEYS], key) < 0;
        int gap = index - last_kept > 1;
        if (failed || append_new(lists[INDENTS], PyLong_FromSsize_t(first - start + 3 * tabs)) < 0
            || PyList_Append(lists[BLANK_BEFORE], gap ? Py_True : Py_False) < 0
            || (last_kept >= 0 && PyList_Append(lists[BLANK_AFTER], gap ? Py_True : Py_False) < 0)) {
            goto done;
        }
        last_kept = index;
    }
    if (last_kept >= 0 && PyList_Append(lists[BLANK_AFTER], Py_True) < 0) {
        goto done;
    }
    out = PyTuple_New(FIELDS);
    if (out == NULL) {
        goto done;
    }
    for (int k = 0; k < FIELDS; k++) {
        PyTuple_SET_ITEM(out, k, lists[k]);
        lists[k] = NULL;
    }
done:
    PyMem_Free(buf);
    for (int k = 0; k < FIELDS; k++) {
        Py_XDECREF(lists[k]);
    }
    return out;
}

/* An ASCII character lower-cased, as str.lower() does it. */
static inline Py_UCS4 ascii_lower(Py_UCS4 c) {
    return c - 'A' < 26u ? c + 32 : c;
}

PyDoc_STRVAR(line_shapes_doc,
"line_shapes(bodies, texts, endings) -> bytes\n\n"
"Seven rows of float64s, a value a line in each: len(body), len(body) != len(text) (the\n"
"line's list bullet was dropped), body.count(' ') + 1, body.endswith(endings),\n"
"body.endswith(':'), whether the body holds an ASCII digit or a non-ASCII character, and\n"
"its opening's code: 128 * a + b for its first two characters a and b lower-cased (b = 0\n"
"for a one-character body), 16384 where either is non-ASCII; for the lines' ``bodies``\n"
"and ``texts`` (lists of str of one length) and sentence ``endings`` (a tuple of str of\n"
"one to four characters).");

static PyObject *line_shapes(PyObject *self, PyObject *args) {
    PyObject *bodies, *texts, *endings;
    if (!PyArg_ParseTuple(args, "O!O!O!:line_shapes", &PyList_Type, &bodies, &PyList_Type, &texts,
                          &PyTuple_Type, &endings)) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(bodies), ends = PyTuple_GET_SIZE(endings);
    if (PyList_GET_SIZE(texts) != n) {
        PyErr_SetString(PyExc_ValueError, "line_shapes: bodies and texts of different lengths");
        return NULL;
    }
    /* the endings as code points, last character first (compared from a line's end) */
    enum { MAX_ENDINGS = 32, MAX_ENDING = 4 };
    Py_UCS4 ending[MAX_ENDINGS][MAX_ENDING];
    Py_ssize_t ending_len[MAX_ENDINGS];
    if (ends > MAX_ENDINGS) {
        PyErr_SetString(PyExc_ValueError, "line_shapes: too many endings");
        return NULL;
    }
    for (Py_ssize_t e = 0; e < ends; e++) {
        PyObject *end = PyTuple_GET_ITEM(endings, e);
        if (!PyUnicode_Check(end) || PyUnicode_GET_LENGTH(end) < 1 || PyUnicode_GET_LENGTH(end) > MAX_ENDING) {
            PyErr_SetString(PyExc_ValueError, "line_shapes: an ending must be a str of one to four characters");
            return NULL;
        }
        ending_len[e] = PyUnicode_GET_LENGTH(end);
        for (Py_ssize_t k = 0; k < ending_len[e]; k++) {
            ending[e][k] = PyUnicode_READ_CHAR(end, ending_len[e] - 1 - k);
        }
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, 7 * n * (Py_ssize_t)sizeof(double));
    if (out == NULL) {
        return NULL;
    }
    double *length = (double *)PyBytes_AS_STRING(out), *bullet = length + n, *words = bullet + n,
           *sentence = words + n, *colon = sentence + n, *digit_or_wide = colon + n, *opening = digit_or_wide + n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *body = PyList_GET_ITEM(bodies, i), *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(body) || !PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "line_shapes: lines must be str");
            Py_DECREF(out);
            return NULL;
        }
        int kind = PyUnicode_KIND(body);
        const void *data = PyUnicode_DATA(body);
        Py_ssize_t len = PyUnicode_GET_LENGTH(body), spaces = 0;
        int digits = 0;
        /* a loop per kind without a branch on a character (the compiler vectorizes it); a
         * character of two or four bytes is non-ASCII */
        if (kind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *s = data;
            for (Py_ssize_t k = 0; k < len; k++) {
                spaces += s[k] == ' ';
                digits |= ((Py_UCS1)(s[k] - '0') < 10) | (s[k] >= 128);
            }
        } else if (kind == PyUnicode_2BYTE_KIND) {
            const Py_UCS2 *s = data;
            for (Py_ssize_t k = 0; k < len; k++) {
                spaces += s[k] == ' ';
            }
            digits = 1;
        } else {
            const Py_UCS4 *s = data;
            for (Py_ssize_t k = 0; k < len; k++) {
                spaces += s[k] == ' ';
            }
            digits = 1;
        }
        int ends_sentence = 0;
        for (Py_ssize_t e = 0; e < ends && !ends_sentence; e++) {
            if (ending_len[e] > len) {
                continue;
            }
            Py_ssize_t k = 0;
            while (k < ending_len[e] && PyUnicode_READ(kind, data, len - 1 - k) == ending[e][k]) {
                k++;
            }
            ends_sentence = k == ending_len[e];
        }
        length[i] = (double)len;
        bullet[i] = len != PyUnicode_GET_LENGTH(text);
        words[i] = (double)spaces + 1;
        sentence[i] = ends_sentence;
        colon[i] = len > 0 && PyUnicode_READ(kind, data, len - 1) == ':';
        digit_or_wide[i] = digits;
        Py_UCS4 first = len > 0 ? PyUnicode_READ(kind, data, 0) : 0, second = len > 1 ? PyUnicode_READ(kind, data, 1) : 0;
        opening[i] = first < 128 && second < 128 ? 128 * ascii_lower(first) + ascii_lower(second) : 16384;
    }
    return out;
}

/* How common a character is in English page text (higher: rarer), to pick which of a
 * needle's characters memchr looks for. */
static int rarity(Py_UCS4 c) {
    static const char common[] = " etaoinshrdlcumwfgypbvkjxqz";
    if (c < 128) {
        const char *at = strchr(common, (int)(c | 0x20));
        if (at != NULL && c != 0 && (c == ' ' || (c | 0x20) != ' ')) {
            return (int)(at - common);
        }
    }
    return (int)sizeof common;
}

/* holds() for two- and four-byte characters: the needle's rarest character is looked for
 * sixteen characters at a time by a loop without a branch on a character (vectorized),
 * and the needle compared where a block has it. */
#define DEFINE_HOLDS(NAME, CHAR)                                                                  \
    static int NAME(const void *data, Py_ssize_t n, const Py_UCS4 *needle, Py_ssize_t m,          \
                    Py_ssize_t rare) {                                                            \
        const CHAR *s = data;                                                                     \
        CHAR c = (CHAR)needle[rare];                                                              \
        if ((Py_UCS4)c != needle[rare]) {                                                         \
            return 0;                                                                             \
        }                                                                                         \
        Py_ssize_t last = n - m + rare; /* the last place the rarest character can be */          \
        for (Py_ssize_t i = rare; i <= last; i += 16) {                                           \
            Py_ssize_t end = i + 16 <= last + 1 ? i + 16 : last + 1;                              \
            int seen = 0;                                                                         \
            for (Py_ssize_t j = i; j < end; j++) {                                                \
                seen |= s[j] == c;                                                                \
            }                                                                                     \
            for (Py_ssize_t j = i; seen && j < end; j++) {                                        \
                Py_ssize_t k = 0;                                                                 \
                while (s[j] == c && k < m && s[j - rare + k] == needle[k]) {                      \
                    k++;                                                                          \
                }                                                                                 \
                if (k == m) {                                                                     \
                    return 1;                                                                     \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        return 0;                                                                                 \
    }
DEFINE_HOLDS(holds_ucs2, Py_UCS2)
DEFINE_HOLDS(holds_ucs4, Py_UCS4)

/* Whether str data of ``kind`` (n characters) holds ``needle`` (m code points), whose
 * rarest character is needle[rare]. */
static int holds(int kind, const void *data, Py_ssize_t n, const Py_UCS4 *needle, Py_ssize_t m, Py_ssize_t rare) {
    if (m == 0) {
        return 1;
    }
    if (n < m) {
        return 0;
    }
    if (kind == PyUnicode_1BYTE_KIND) {
        if (needle[rare] > 0xff) {
            return 0;
        }
        /* memchr finds the needle's rarest character (fast: few stops), the rest is
         * compared around it; ``last``: the last place that character can be */
        const Py_UCS1 *s = data, *at = s + rare, *last = s + (n - m) + rare;
        while (at <= last && (at = memchr(at, (int)needle[rare], (size_t)(last - at + 1))) != NULL) {
            const Py_UCS1 *start = at - rare;
            Py_ssize_t k = 0;
            while (k < m && start[k] == needle[k]) {
                k++;
            }
            if (k == m) {
                return 1;
            }
            at++;
        }
        return 0;
    }
    return kind == PyUnicode_2BYTE_KIND ? holds_ucs2(data, n, needle, m, rare) : holds_ucs4(data, n, needle, m, rare);
}

PyDoc_STRVAR(lines_holding_doc,
"lines_holding(lines, groups, only) -> bytes\n\n"
"A row of bytes per group of ``groups`` (a tuple of (needles, limit): a tuple of str and an\n"
"int), a byte a line of ``lines`` (a list of str): 1 where line[:limit] holds any of the\n"
"needles, else 0; only lines with a nonzero byte in ``only`` (a bytes-like object, a byte\n"
"a line) are looked at, unless it is None.");

/* A needle of lines_holding: its code points, length, rarest character and group. */
typedef struct {
    Py_UCS4 *code;
    Py_ssize_t length, rare, group;
} Needle;

static PyObject *lines_holding(PyObject *self, PyObject *args) {
    PyObject *lines, *groups, *only_arg;
    if (!PyArg_ParseTuple(args, "O!O!O:lines_holding", &PyList_Type, &lines, &PyTuple_Type, &groups, &only_arg)) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(lines), count = PyTuple_GET_SIZE(groups), needles_n = 0;
    PyObject *out = NULL;
    Needle *needles = NULL;
    Py_ssize_t *limits = PyMem_Calloc((size_t)count + 1, sizeof(Py_ssize_t));
    Py_buffer only = {0};
    int have_only = 0;
    if (limits == NULL) {
        return PyErr_NoMemory();
    }
    if (only_arg != Py_None) {
        if (PyObject_GetBuffer(only_arg, &only, PyBUF_SIMPLE) < 0) {
            goto done;
        }
        have_only = 1;
        if (only.len != n) {
            PyErr_SetString(PyExc_ValueError, "lines_holding: only needs a byte a line");
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(lines, i))) {
            PyErr_SetString(PyExc_TypeError, "lines_holding: lines must be str");
            goto done;
        }
    }
    /* every group's needles in one array, decoded once */
    for (Py_ssize_t g = 0; g < count; g++) {
        PyObject *group = PyTuple_GET_ITEM(groups, g), *tuple;
        if (!PyTuple_Check(group) || !PyArg_ParseTuple(group, "O!n", &PyTuple_Type, &tuple, &limits[g])) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "lines_holding: a group is a (needles, limit) tuple");
            }
            goto done;
        }
        Py_ssize_t more = PyTuple_GET_SIZE(tuple);
        Needle *grown = PyMem_Realloc(needles, (size_t)(needles_n + more + 1) * sizeof(Needle));
        if (grown == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        needles = grown;
        for (Py_ssize_t e = 0; e < more; e++) {
            PyObject *needle = PyTuple_GET_ITEM(tuple, e);
            Py_UCS4 *code = PyUnicode_Check(needle) ? PyUnicode_AsUCS4Copy(needle) : NULL;
            if (code == NULL) {
                if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_TypeError, "lines_holding: needles must be str");
                }
                goto done;
            }
            Needle *it = &needles[needles_n++];
            it->code = code;
            it->length = PyUnicode_GET_LENGTH(needle);
            it->group = g;
            it->rare = 0;
            for (Py_ssize_t k = 1; k < it->length; k++) {
                it->rare = rarity(code[k]) > rarity(code[it->rare]) ? k : it->rare;
            }
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n * count);
    if (out == NULL) {
        goto done;
    }
    Py_UCS1 *flags = (Py_UCS1 *)PyBytes_AS_STRING(out);
    memset(flags, 0, (size_t)(n * count));
    /* line by line (each line's characters are read while in the cache), each needle
     * only where its group has no hit yet */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (have_only && !((const char *)only.buf)[i]) {
            continue;
        }
        PyObject *line = PyList_GET_ITEM(lines, i);
        int kind = PyUnicode_KIND(line);
        const void *data = PyUnicode_DATA(line);
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        for (Py_ssize_t e = 0; e < needles_n; e++) {
            const Needle *it = &needles[e];
            Py_UCS1 *flag = flags + it->group * n + i;
            if (*flag) {
                continue;
            }
            /* line[:limit], as Python slices with a negative limit */
            Py_ssize_t limit = limits[it->group];
            Py_ssize_t stop = limit >= 0 ? (limit < len ? limit : len) : (len + limit > 0 ? len + limit : 0);
            *flag = (Py_UCS1)holds(kind, data, stop, it->code, it->length, it->rare);
        }
    }
done:
    for (Py_ssize_t e = 0; e < needles_n; e++) {
        PyMem_Free(needles[e].code);
    }
    PyMem_Free(needles);
    PyMem_Free(limits);
    if (have_only) {
        PyBuffer_Release(&only);
    }
    return out;
}

/* The UTF-8 bytes of code point c (a surrogate as three bytes, as "surrogatepass"
 * writes it) at ``to``, where it is not NULL; their number either way. */
static inline Py_ssize_t put_utf8(Py_UCS4 c, unsigned char *to) {
    if (c < 0x80) {
        if (to) {
            to[0] = (unsigned char)c;
        }
        return 1;
    }
    if (c < 0x800) {
        if (to) {
            to[0] = (unsigned char)(0xC0 | (c >> 6));
            to[1] = (unsigned char)(0x80 | (c & 0x3F));
        }
        return 2;
    }
    if (c < 0x10000) {
        if (to) {
            to[0] = (unsigned char)(0xE0 | (c >> 12));
            to[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            to[2] = (unsigned char)(0x80 | (c & 0x3F));
        }
        return 3;
    }
    if (to) {
        to[0] = (unsigned char)(0xF0 | (c >> 18));
        to[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        to[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        to[3] = (unsigned char)(0x80 | (c & 0x3F));
    }
    return 4;
}

/* Writes the UTF-8 of line[:m] at ``to`` where it is not NULL; returns its length. */
static Py_ssize_t line_utf8(PyObject *line, Py_ssize_t m, unsigned char *to) {
    if (PyUnicode_IS_ASCII(line)) {
        if (to) {
            memcpy(to, PyUnicode_DATA(line), (size_t)m);
        }
        return m;
    }
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    Py_ssize_t size = 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        size += put_utf8(PyUnicode_READ(kind, data, k), to ? to + size : NULL);
    }
    return size;
}

PyDoc_STRVAR(joined_samples_doc,
"joined_samples(lines, limit) -> bytes\n\n"
"'\\n'.join(line[:limit] for line in lines).encode('utf-8', 'surrogatepass'), for a list\n"
"of str and a limit of zero or more.");

static PyObject *joined_samples(PyObject *self, PyObject *args) {
    PyObject *lines;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!n:joined_samples", &PyList_Type, &lines, &limit)) {
        return NULL;
    }
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "joined_samples: a limit of zero or more is needed");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(lines), size = n > 0 ? n - 1 : 0; /* the newlines */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "joined_samples: lines must be str");
            return NULL;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        size += line_utf8(line, len < limit ? len : limit, NULL);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (out == NULL) {
        return NULL;
    }
    unsigned char *to = (unsigned char *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        if (i > 0) {
            *to++ = '\n';
        }
        to += line_utf8(line, len < limit ? len : limit, to);
    }
    return out;
}

PyDoc_STRVAR(layout_columns_doc,
"layout_columns(x, n, rows, nw, indents, prose_words) -> None\n\n"
"Fills the layout features of storyline.extract._lines.line_features into ``x`` (a writable\n"
"float64 buffer of feature rows, n values each) as _layout_columns_reference does:\n"
"``rows`` gives the row of each name of _lines._LAYOUT_ROWS, in its order (the first six\n"
"are read, the rest written); ``nw`` the lines' words (float64), ``indents`` their indents\n"
"(intp); a line of prose has at least ``prose_words`` words.");

/* An indent and the words of a prose line on it (for the dominant indent). */
typedef struct {
    Py_ssize_t indent;
    double words;
} IndentWords;

static int by_indent(const void *a, const void *b) {
    Py_ssize_t x = ((const IndentWords *)a)->indent, y = ((const IndentWords *)b)->indent;
    return (x > y) - (x < y);
}

static PyObject *layout_columns(PyObject *self, PyObject *args) {
    Py_buffer xb, wb, ib;
    Py_ssize_t n;
    PyObject *rows;
    double prose_min;
    if (!PyArg_ParseTuple(args, "w*nO!y*y*d:layout_columns", &xb, &n, &PyTuple_Type, &rows, &wb, &ib, &prose_min)) {
        return NULL;
    }
    PyObject *out = NULL;
    IndentWords *prose_indents = NULL;
    double *prose_words = NULL, *prose_prefix = NULL, *meta_prefix = NULL;
    enum { SENT, BULLET, END_MARKER, COMMENT_META, CHROME, LOG_WORDS, AFTER_END_MARKER, AFTER_COMMENTS,
           COMMENTS_NEAR, PROSE_WINDOW, INDENT_DOM, W_LE2, W_3_5, W_6_12, W_13_30, W_GT30, INDENT_LESS,
           INDENT_MORE, INDENT_DIFF, POS, BEFORE_MAIN, AFTER_MAIN, CHROME_SHORT, PREV_WORDS, NEXT_WORDS,
           PREV_SENT, NEXT_SENT, PREV_DOM, NEXT_DOM, ROWS };
    double *row[ROWS];
    Py_ssize_t features = n > 0 ? xb.len / (Py_ssize_t)sizeof(double) / n : 0;
    if (n < 0 || PyTuple_GET_SIZE(rows) != ROWS || xb.len != features * n * (Py_ssize_t)sizeof(double)
        || wb.len != n * (Py_ssize_t)sizeof(double) || ib.len != n * (Py_ssize_t)sizeof(Py_ssize_t)) {
        PyErr_SetString(PyExc_ValueError, "layout_columns: arrays of mismatched sizes");
        goto done;
    }
    for (int r = 0; r < ROWS; r++) {
        Py_ssize_t at = PyLong_AsSsize_t(PyTuple_GET_ITEM(rows, r));
        if (at == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (n > 0 && (at < 0 || at >= features)) {
            PyErr_SetString(PyExc_ValueError, "layout_columns: a row out of range");
            goto done;
        }
        row[r] = (double *)xb.buf + at * n;
    }
    if (n == 0) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    const double *nw = wb.buf;
    const Py_ssize_t *indent = ib.buf;
    prose_indents = PyMem_Malloc((size_t)n * sizeof(IndentWords));
    prose_words = PyMem_Malloc((size_t)n * sizeof(double));
    prose_prefix = PyMem_Malloc((size_t)(n + 1) * sizeof(double));
    meta_prefix = PyMem_Malloc((size_t)(n + 1) * sizeof(double));
    if (prose_indents == NULL || prose_words == NULL || prose_prefix == NULL || meta_prefix == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* prose lines: enough words, a sentence end, no bullet; their words summed per indent
     * (in any order: the words are whole numbers, so every order sums alike) */
    Py_ssize_t prose_n = 0;
    double running = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int is_prose = nw[i] >= prose_min && row[SENT][i] > 0 && row[BULLET][i] == 0;
        if (is_prose) {
            prose_indents[prose_n].indent = indent[i];
            prose_indents[prose_n++].words = nw[i];
            running += nw[i];
        }
        prose_words[i] = running;
    }
    double dominant;
    if (prose_n > 0) {
        /* the indent carrying the most prose words (ties: the smaller indent) */
        qsort(prose_indents, (size_t)prose_n, sizeof(IndentWords), by_indent);
        double best = -1.0, sum = 0.0;
        Py_ssize_t best_indent = 0;
        for (Py_ssize_t k = 0; k < prose_n; k++) {
            sum = (k > 0 && prose_indents[k].indent == prose_indents[k - 1].indent) ? sum + prose_indents[k].words
                                                                                   : prose_indents[k].words;
            if ((k + 1 == prose_n || prose_indents[k + 1].indent != prose_indents[k].indent) && sum > best) {
                best = sum;
                best_indent = prose_indents[k].indent;
            }
        }
        dominant = (double)best_indent;
    } else {
        Py_ssize_t most = 0; /* the first line with the most words */
        for (Py_ssize_t i = 1; i < n; i++) {
            most = nw[i] > nw[most] ? i : most;
        }
        dominant = (double)indent[most];
    }
    /* the main text: prose lines on the dominant indent */
    Py_ssize_t first_main = -1, last_main = n - 1, end_at = -1, comments_at = -1, last_meta = -1;
    prose_prefix[0] = meta_prefix[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int is_prose = nw[i] >= prose_min && row[SENT][i] > 0 && row[BULLET][i] == 0;
        int prose = is_prose && (double)indent[i] == dominant;
        if (prose) {
            first_main = first_main < 0 ? i : first_main;
            last_main = i;
        }
        prose_prefix[i + 1] = prose_prefix[i] + prose;
        meta_prefix[i + 1] = meta_prefix[i] + row[COMMENT_META][i];
        /* the first end marker with most of the page's prose above it */
        if (end_at < 0 && row[END_MARKER][i] > 0 && prose_words[i] >= prose_words[n - 1] / 2 && prose_words[i] > 0) {
            end_at = i;
        }
        /* the first comment-metadata line below some prose with another one after it */
        if (row[COMMENT_META][i] != 0) {
            if (comments_at < 0 && last_meta >= 0 && prose_words[last_meta] > 0) {
                comments_at = last_meta;
            }
            last_meta = i;
        }
    }
    if (first_main < 0) {
        first_main = 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        double words = nw[i], ind = (double)indent[i];
        if (end_at >= 0) {
            row[AFTER_END_MARKER][i] = i > end_at;
        }
        if (comments_at >= 0) {
            row[AFTER_COMMENTS][i] = i >= comments_at;
        }
        Py_ssize_t lo = i - 5 > 0 ? i - 5 : 0, hi = i + 6 < n ? i + 6 : n;
        double near = meta_prefix[hi] - meta_prefix[lo];
        row[COMMENTS_NEAR][i] = (near < 3.0 ? near : 3.0) / 3.0;
        lo = i - 2 > 0 ? i - 2 : 0;
        hi = i + 3 < n ? i + 3 : n;
        row[PROSE_WINDOW][i] = (prose_prefix[hi] - prose_prefix[lo]) / (double)(hi - lo);
        row[INDENT_DOM][i] = ind == dominant;
        row[W_LE2][i] = words <= 2;
        row[W_3_5][i] = words >= 3 && words <= 5;
        row[W_6_12][i] = words >= 6 && words <= 12;
        row[W_13_30][i] = words >= 13 && words <= 30;
        row[W_GT30][i] = words > 30;
        row[INDENT_LESS][i] = ind < dominant;
        row[INDENT_MORE][i] = ind > dominant;
        double diff = fabs(ind - dominant);
        row[INDENT_DIFF][i] = (diff < 24 ? diff : 24) / 8.0;
        row[POS][i] = (double)i / (double)n;
        row[BEFORE_MAIN][i] = i < first_main;
        row[AFTER_MAIN][i] = i > last_main;
        row[CHROME_SHORT][i] = row[CHROME][i] * (words <= 12);
    }
    /* the neighbours' values (zero beyond the page's edges) */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i > 0) {
            row[PREV_WORDS][i] = row[LOG_WORDS][i - 1];
            row[PREV_SENT][i] = row[SENT][i - 1];
            row[PREV_DOM][i] = row[INDENT_DOM][i - 1];
        }
        if (i + 1 < n) {
            row[NEXT_WORDS][i] = row[LOG_WORDS][i + 1];
            row[NEXT_SENT][i] = row[SENT][i + 1];
            row[NEXT_DOM][i] = (double)indent[i + 1] == dominant;
        }
    }
    out = Py_NewRef(Py_None);
done:
    PyMem_Free(prose_indents);
    PyMem_Free(prose_words);
    PyMem_Free(prose_prefix);
    PyMem_Free(meta_prefix);
    PyBuffer_Release(&xb);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&ib);
    return out;
}

PyDoc_STRVAR(context_rows_doc,
"context_rows(scores, out) -> None\n\n"
"Writes storyline.extract._lines.context_features of the float64 ``scores`` into ``out``\n"
"(a writable float64 buffer of len(scores) rows of eleven), as its reference computes them:\n"
"the bias, the score, the neighbours' scores (-3 beyond the page), the means over windows\n"
"of five and eleven lines, and where the line sits against the best-scoring run of lines.");

static PyObject *context_rows(PyObject *self, PyObject *args) {
    Py_buffer sb, ob;
    if (!PyArg_ParseTuple(args, "y*w*:context_rows", &sb, &ob)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *prefix = NULL;
    enum { COLUMNS = 11 };
    Py_ssize_t n = sb.len / (Py_ssize_t)sizeof(double);
    if (sb.len != n * (Py_ssize_t)sizeof(double) || ob.len != n * COLUMNS * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "context_rows: buffers of mismatched sizes");
        goto done;
    }
    const double *s = sb.buf;
    double *out = ob.buf;
    prefix = PyMem_Malloc((size_t)(n + 1) * sizeof(double));
    if (prefix == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the best-scoring contiguous run of lines (maximum subarray of log-odds), and the
     * running sum (as numpy's cumsum adds, in order) */
    double best = -INFINITY, run = 0.0;
    Py_ssize_t best_lo = 0, best_hi = 0, run_lo = 0;
    prefix[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (run <= 0) {
            run = s[i];
            run_lo = i;
        } else {
            run += s[i];
        }
        if (run > best) {
            best = run;
            best_lo = run_lo;
            best_hi = i;
        }
        prefix[i + 1] = prefix[i] + s[i];
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        double *row = out + i * COLUMNS;
        row[0] = 1.0;
        row[1] = s[i];
        row[2] = i >= 1 ? s[i - 1] : -3.0;
        row[3] = i + 1 < n ? s[i + 1] : -3.0;
        row[4] = i >= 2 ? s[i - 2] : -3.0;
        row[5] = i + 2 < n ? s[i + 2] : -3.0;
        for (int column = 6, k = 2; column <= 7; column++, k = 5) {
            Py_ssize_t lo = i - k > 0 ? i - k : 0, hi = i + k + 1 < n ? i + k + 1 : n;
            row[column] = (prefix[hi] - prefix[lo]) / (double)(hi - lo);
        }
        row[8] = i >= best_lo && i <= best_hi;
        row[9] = i < best_lo;
        row[10] = i > best_hi;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(prefix);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&ob);
    return result;
}

/* A byte of an ASCII \w word: [0-9A-Za-z_] (isalnum would follow the locale). */
static inline int ascii_word_byte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* The headline ranker's _word_counts of an ASCII line (storyline/extract/_titles.py):
 * words, title-case words, upper-case words, digit words, content words and content words
 * in ``known`` over its [A-Za-z0-9_]+ words; a content word has more than two characters
 * and its lower-case bytes are not in ``stop``. 0, or -1 with an exception set. */
static int ascii_word_counts(const unsigned char *at, Py_ssize_t len, PyObject *known, PyObject *stop, long counts[6]) {
    long words = 0, titled = 0, upper = 0, digits = 0, content = 0, hits = 0;
    Py_ssize_t i = 0;
    while (i < len) {
        while (i < len && !ascii_word_byte(at[i])) {
            i++;
        }
        Py_ssize_t start = i;
        while (i < len && ascii_word_byte(at[i])) {
            i++;
        }
        Py_ssize_t m = i - start;
        if (m == 0) {
            break;
        }
        int title, up, digit;
        ascii_cases(at + start, m, &title, &up, &digit);
        words++;
        titled += title;
        upper += up;
        digits += digit;
        if (m <= 2) {
            continue;
        }
        /* the lower-case word, lowered in place: a new bytes object of more than one byte is unshared */
        PyObject *key = PyBytes_FromStringAndSize((const char *)at + start, m);
        if (key == NULL) {
            return -1;
        }
        char *b = PyBytes_AS_STRING(key);
        for (Py_ssize_t j = 0; j < m; j++) {
            b[j] = (b[j] >= 'A' && b[j] <= 'Z') ? (char)(b[j] + 32) : b[j];
        }
        int is_stop = PySet_Contains(stop, key);
        int is_known = is_stop == 0 ? PySet_Contains(known, key) : 0;
        Py_DECREF(key);
        if (is_stop < 0 || is_known < 0) {
            return -1;
        }
        if (!is_stop) {
            content++;
            hits += is_known;
        }
    }
    counts[0] = words;
    counts[1] = titled;
    counts[2] = upper;
    counts[3] = digits;
    counts[4] = content;
    counts[5] = hits;
    return 0;
}

/* The columns candidate_rows fills, in the order of the column numbers it is given. */
enum {
    COL_BIAS, COL_ABOVE_LOG, COL_BELOW, COL_AT_FIRST, COL_W1, COL_W2_3, COL_W4_8, COL_W9_15, COL_W16_30,
    COL_END_PUNCT, COL_END_QUESTION, COL_TITLE_RATIO, COL_UPPER_RATIO, COL_DIGIT_RATIO, COL_HASH,
    COL_IN_OTHER_LINE, COL_OVERLAP, COL_OVERLAP_WORDS, COL_SCORE, COL_KEPT, COL_BLANK_BEFORE, COL_BLANK_AFTER,
    COL_INDENT_LE_FIRST, COL_BYLINE_AFTER, COL_DATE_AFTER, COL_DATE_BEFORE, COL_TITLE_LIKE_BETWEEN,
    COL_NAMES_SITE, COL_FIRST_CANDIDATE, TITLE_COLUMNS
};

/* What candidate_rows knows of a line of the window or around it (see the reference). */
typedef struct {
    Py_ssize_t start, end; /* strip_title(text) is text[start:end] */
    PyObject *body;        /* that str where it was needed (owned), else NULL */
    int byline, date;      /* the pattern tests of the body */
    Py_ssize_t words;      /* len(body.split()) (lines of the window) */
    Py_ssize_t letters;    /* characters of the body that are str.isalpha (lines of the window) */
    int like;              /* _title_like (lines of the window) */
    Py_ssize_t between;    /* title-like lines between it and the body start (lines above it) */
} TitleLine;

/* Moves start and end past the str.strip() whitespace of text[start:end]. */
static void strip_spaces(int kind, const void *data, Py_ssize_t *start, Py_ssize_t *end) {
    while (*start < *end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, *start))) {
        (*start)++;
    }
    while (*end > *start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, *end - 1))) {
        (*end)--;
    }
}

/* strip_title's bounds of ``text``: stripped, body[2:] where body[:2] is in ``marks`` (a
 * tuple of str), then "#"s stripped at the start and whitespace at both ends. */
static void strip_title_bounds(PyObject *text, PyObject *marks, TitleLine *line) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(text);
    strip_spaces(kind, data, &start, &end);
    Py_ssize_t head = end - start < 2 ? end - start : 2; /* len(body[:2]) */
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(marks); k++) {
        PyObject *mark = PyTuple_GET_ITEM(marks, k);
        if (PyUnicode_GET_LENGTH(mark) != head) {
            continue;
        }
        int same = 1;
        for (Py_ssize_t j = 0; j < head && same; j++) {
            same = PyUnicode_READ_CHAR(mark, j) == PyUnicode_READ(kind, data, start + j);
        }
        if (same) {
            start = end - start < 2 ? end : start + 2;
            break;
        }
    }
    while (start < end && PyUnicode_READ(kind, data, start) == '#') {
        start++;
    }
    strip_spaces(kind, data, &start, &end);
    line->start = start;
    line->end = end;
}

/* The body of a line as a str (made once); borrowed, NULL with an exception set. */
static PyObject *line_body(TitleLine *line, PyObject *text) {
    if (line->body == NULL) {
        line->body = PyUnicode_Substring(text, line->start, line->end);
    }
    return line->body;
}

/* ``s[:1] not in unlikely and match(s) is not None`` for the body s: 0 or 1, -1 with an exception set. */
static int body_matches(TitleLine *line, PyObject *text, PyObject *unlikely, PyObject *match) {
    PyObject *opening = PyUnicode_Substring(text, line->start, line->start < line->end ? line->start + 1 : line->end);
    if (opening == NULL) {
        return -1;
    }
    int skip = PySequence_Contains(unlikely, opening);
    Py_DECREF(opening);
    if (skip != 0) {
        return skip < 0 ? -1 : 0;
    }
    PyObject *body = line_body(line, text);
    if (body == NULL) {
        return -1;
    }
    PyObject *found = PyObject_CallOneArg(match, body);
    if (found == NULL) {
        return -1;
    }
    int matched = found != Py_None;
    Py_DECREF(found);
    return matched;
}

/* Whether the body ends with one of the (ASCII) characters of ``ends``. */
static int body_ends_with(PyObject *text, const TitleLine *line, const char *ends) {
    if (line->end == line->start) {
        return 0;
    }
    Py_UCS4 last = PyUnicode_READ_CHAR(text, line->end - 1);
    return last != 0 && last < 128 && strchr(ends, (int)last) != NULL;
}

/* body.endswith((".", ":", ",", ";")) and not body.endswith("...") */
static int body_ends_a_sentence(PyObject *text, const TitleLine *line) {
    Py_ssize_t n = line->end - line->start;
    if (!body_ends_with(text, line, ".:,;")) {
        return 0;
    }
    return !(n >= 3 && PyUnicode_READ_CHAR(text, line->end - 1) == '.' && PyUnicode_READ_CHAR(text, line->end - 2) == '.'
             && PyUnicode_READ_CHAR(text, line->end - 3) == '.');
}

/* The words (len(body.split())) and letters (str.isalpha characters) of a body. */
static void body_shape(PyObject *text, TitleLine *line) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t words = 0, letters = 0;
    int in_word = 0;
    for (Py_ssize_t i = line->start; i < line->end; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c)) {
            in_word = 0;
        } else {
            words += !in_word;
            in_word = 1;
        }
        letters += c < 128 ? (Py_UCS4)((c | 32) - 'a') < 26 : Py_UNICODE_ISALPHA(c) != 0;
    }
    line->words = words;
    line->letters = letters;
}

/* The lists of a page candidate_rows reads (texts, keys, blank_before, blank_after,
 * indents, scores), each as long as its texts. */
#define PAGE_LISTS 6

static int page_lists_ok(Py_ssize_t n, PyObject *keys, PyObject *blank_before, PyObject *blank_after,
                         PyObject *indents, PyObject *scores) {
    if (PyList_GET_SIZE(keys) != n || PyList_GET_SIZE(blank_before) != n || PyList_GET_SIZE(blank_after) != n
        || PyList_GET_SIZE(indents) != n || PyList_GET_SIZE(scores) != n) {
        PyErr_SetString(PyExc_ValueError, "candidate_rows: a page's lists must be as long as its texts");
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(candidate_rows_doc,
"candidate_rows(texts, keys, blank_before, blank_after, indents, scores, at, stop, first,\n"
"               threshold, known, site_stem, out, rules) -> list\n\n"
"The headline candidates among lines ``at`` to ``stop`` of a page (line indices) and,\n"
"in the first rows of ``out`` (a C-contiguous 2-D float64 array), their features but\n"
"the line classifier's: storyline.extract._titles._candidate_rows_reference, which this\n"
"gives exactly. ``rules``: (strip_title's marks, the byline pattern's match, the openings\n"
"it cannot match, the same two of the date pattern, the stop words as bytes, _word_counts\n"
"(for lines that are not ASCII), MAX_WORDS, MAX_CHARS, the column of each feature in the\n"
"order this loop writes them). The patterns run through Python's re.");

static PyObject *candidate_rows(PyObject *self, PyObject *args) {
    PyObject *texts, *keys, *blank_before, *blank_after, *indents, *scores, *known, *site_stem, *out, *rules;
    Py_ssize_t at, stop, first;
    double threshold;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!nnndOUOO!:candidate_rows", &PyList_Type, &texts, &PyList_Type, &keys,
                          &PyList_Type, &blank_before, &PyList_Type, &blank_after, &PyList_Type, &indents,
                          &PyList_Type, &scores, &at, &stop, &first, &threshold, &known, &site_stem, &out,
                          &PyTuple_Type, &rules)) {
        return NULL;
    }
    PyObject *marks, *byline_match, *not_byline, *date_match, *not_dateish, *stop_words, *word_counts, *columns;
    Py_ssize_t max_words, max_chars;
    if (!PyArg_ParseTuple(rules, "O!OOOOOOnnO!:candidate_rows rules", &PyTuple_Type, &marks, &byline_match,
                          &not_byline, &date_match, &not_dateish, &stop_words, &word_counts, &max_words,
                          &max_chars, &PyTuple_Type, &columns)) {
        return NULL;
    }
    if (!PyAnySet_Check(known) || !PyAnySet_Check(stop_words)) {
        PyErr_SetString(PyExc_TypeError, "candidate_rows: the known and stop words must be sets");
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(marks); k++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(marks, k))) {
            PyErr_SetString(PyExc_TypeError, "candidate_rows: the marks must be str");
            return NULL;
        }
    }
    Py_ssize_t n = PyList_GET_SIZE(texts);
    if (!page_lists_ok(n, keys, blank_before, blank_after, indents, scores)) {
        return NULL;
    }
    if (!(0 <= at && at <= first && first < stop && stop <= n)) {
        PyErr_SetString(PyExc_ValueError, "candidate_rows: the window must hold first and lie in the page");
        return NULL;
    }
    if (PyTuple_GET_SIZE(columns) != TITLE_COLUMNS) {
        PyErr_SetString(PyExc_ValueError, "candidate_rows: a column is needed for each feature written");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(out, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    PyObject *idx = NULL, *joined = NULL, *result = NULL, *owned[PAGE_LISTS] = {NULL};
    TitleLine *lines = NULL;
    Py_ssize_t lo = at - 3 > 0 ? at - 3 : 0, hi = stop + 4 < n ? stop + 4 : n; /* the window and its neighbours */
    Py_ssize_t col[TITLE_COLUMNS];
    if (view.ndim != 2 || view.itemsize != 8 || strcmp(view.format, "d") != 0 || view.shape[0] < stop - at) {
        PyErr_SetString(PyExc_ValueError, "candidate_rows: out must be float64 rows, one for each line of the window");
        goto done;
    }
    Py_ssize_t width = view.shape[1];
    for (int k = 0; k < TITLE_COLUMNS; k++) {
        col[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(columns, k));
        if (col[k] == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (col[k] < 0 || col[k] >= width) {
            PyErr_SetString(PyExc_ValueError, "candidate_rows: a column out of range");
            goto done;
        }
    }
    /* the lines read, at i - lo, in lists of this loop's own: the Python calls below (the
     * patterns, _word_counts, comparisons) cannot change them under it */
    PyObject **page[] = {&texts, &keys, &blank_before, &blank_after, &indents, &scores};
    for (int k = 0; k < PAGE_LISTS; k++) {
        owned[k] = PyList_GetSlice(*page[k], lo, hi);
        if (owned[k] == NULL) {
            goto done;
        }
        *page[k] = owned[k];
    }
    lines = PyMem_Calloc((size_t)(hi - lo), sizeof(TitleLine));
    if (lines == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* each line's body and pattern tests */
    for (Py_ssize_t i = lo; i < hi; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i - lo);
        TitleLine *line = &lines[i - lo];
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "candidate_rows: texts must be str");
            goto done;
        }
        strip_title_bounds(text, marks, line);
        line->byline = body_matches(line, text, not_byline, byline_match);
        line->date = line->byline < 0 ? -1 : body_matches(line, text, not_dateish, date_match);
        if (line->date < 0) {
            goto done;
        }
    }
    /* the window's lines, from the bottom: title-like, and how many title-like lines lie
     * between a line above the body start and the body start */
    Py_ssize_t title_like_after = 0, candidates = 0;
    for (Py_ssize_t i = stop - 1; i >= at; i--) {
        PyObject *text = PyList_GET_ITEM(texts, i - lo);
        TitleLine *line = &lines[i - lo];
        body_shape(text, line);
        Py_ssize_t length = line->end - line->start;
        line->like = 2 <= line->words && line->words <= max_words && !body_ends_a_sentence(text, line)
                     && !(line->byline || line->date) && (double)line->letters >= 0.6 * (double)length;
        if (i < first) {
            line->between = title_like_after;
            title_like_after += line->like;
        }
        candidates += 1 <= line->words && line->words <= max_words && length <= max_chars && line->letters > 0;
    }
    idx = PyList_New(candidates);
    if (idx == NULL) {
        goto done;
    }
    Py_ssize_t stem_length = PyUnicode_GET_LENGTH(site_stem), row = 0;
    int first_like_seen = 0;
    PyObject *first_indent = PyList_GET_ITEM(indents, first - lo);
    for (Py_ssize_t i = at; i < stop; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i - lo), *key = PyList_GET_ITEM(keys, i - lo);
        TitleLine *line = &lines[i - lo];
        Py_ssize_t length = line->end - line->start, words = line->words;
        if (!(1 <= words && words <= max_words && length <= max_chars && line->letters > 0)) {
            continue;
        }
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "candidate_rows: keys must be str");
            goto done;
        }
        PyObject *number = PyLong_FromSsize_t(i);
        if (number == NULL) {
            goto done;
        }
        PyList_SET_ITEM(idx, row, number);
        double *x = (double *)view.buf + row * width;
        row++;
        /* the candidate's words: counted here where its line is ASCII, else by _word_counts */
        long counts[6];
        if (PyUnicode_IS_ASCII(text)) {
            if (ascii_word_counts(PyUnicode_1BYTE_DATA(text) + line->start, length, known, stop_words, counts) < 0) {
                goto done;
            }
        } else {
            PyObject *body = line_body(line, text);
            PyObject *got = body == NULL ? NULL : PyObject_CallFunctionObjArgs(word_counts, body, known, NULL);
            if (got == NULL) {
                goto done;
            }
            int ok = PyTuple_Check(got) && PyTuple_GET_SIZE(got) == 6;
            for (int k = 0; ok && k < 6; k++) {
                counts[k] = PyLong_AsLong(PyTuple_GET_ITEM(got, k));
                ok = !(counts[k] == -1 && PyErr_Occurred());
            }
            Py_DECREF(got);
            if (!ok) {
                if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_TypeError, "candidate_rows: _word_counts must give six ints");
                }
                goto done;
            }
        }
        double counted = (double)(counts[0] ? counts[0] : 1);
        /* "in another line": the window's keys hold the key more often than the lines equal
         * to it account for */
        int in_other_line = 0;
        if (PyUnicode_GET_LENGTH(key) >= 8) {
            if (joined == NULL) {
                PyObject *window_keys = PyList_GetSlice(keys, at - lo, stop - lo);
                joined = window_keys == NULL ? NULL : PyUnicode_Join(line_feed, window_keys);
                Py_XDECREF(window_keys);
                if (joined == NULL) {
                    goto done;
                }
            }
            Py_ssize_t held = PyUnicode_Count(joined, key, 0, PY_SSIZE_T_MAX), equal = 0;
            if (held < 0) {
                goto done;
            }
            for (Py_ssize_t j = at; j < stop; j++) {
                int same = PyObject_RichCompareBool(PyList_GET_ITEM(keys, j - lo), key, Py_EQ);
                if (same < 0) {
                    goto done;
                }
                equal += same;
            }
            in_other_line = held > equal;
        }
        int names_site = 0;
        if (stem_length >= 4) {
            PyObject *compact = PyUnicode_Replace(key, one_space, no_chars, -1);
            names_site = compact == NULL ? -1 : PyUnicode_Contains(compact, site_stem);
            Py_XDECREF(compact);
            if (names_site < 0) {
                goto done;
            }
        }
        double score = PyFloat_AsDouble(PyList_GET_ITEM(scores, i - lo));
        double before = PyFloat_AsDouble(PyList_GET_ITEM(blank_before, i - lo));
        double after = PyFloat_AsDouble(PyList_GET_ITEM(blank_after, i - lo));
        if ((score == -1.0 || before == -1.0 || after == -1.0) && PyErr_Occurred()) {
            goto done;
        }
        int indent_le_first = PyObject_RichCompareBool(PyList_GET_ITEM(indents, i - lo), first_indent, Py_LE);
        if (indent_le_first < 0) {
            goto done;
        }
        /* bylines / datelines among the next four lines, datelines among the three above */
        int byline_after = 0, date_after = 0, date_before = 0;
        for (Py_ssize_t j = i + 1; j < i + 5 && j < hi; j++) {
            byline_after |= lines[j - lo].byline;
            date_after |= lines[j - lo].date;
        }
        for (Py_ssize_t j = i - 3 > lo ? i - 3 : lo; j < i; j++) {
            date_before |= lines[j - lo].date;
        }
        Py_ssize_t distance = first - i;
        double clipped = score > 5.0 ? 5.0 : score < -5.0 ? -5.0 : score; /* NaN stays NaN, as in numpy */
        x[col[COL_BIAS]] = 1.0;
        x[col[COL_ABOVE_LOG]] = distance > 0 ? log1p((double)distance) : 0.0; /* math.log1p's (the C library's) */
        x[col[COL_BELOW]] = distance < 0;
        x[col[COL_AT_FIRST]] = distance == 0;
        x[col[COL_W1]] = words == 1;
        x[col[COL_W2_3]] = words >= 2 && words <= 3;
        x[col[COL_W4_8]] = words >= 4 && words <= 8;
        x[col[COL_W9_15]] = words >= 9 && words <= 15;
        x[col[COL_W16_30]] = words >= 16;
        x[col[COL_END_PUNCT]] = body_ends_a_sentence(text, line);
        x[col[COL_END_QUESTION]] = body_ends_with(text, line, "?!");
        x[col[COL_TITLE_RATIO]] = (double)counts[1] / counted;
        x[col[COL_UPPER_RATIO]] = (double)counts[2] / counted;
        x[col[COL_DIGIT_RATIO]] = (double)counts[3] / counted;
        x[col[COL_HASH]] = PyUnicode_GET_LENGTH(text) > 0 && PyUnicode_READ_CHAR(text, 0) == '#';
        x[col[COL_IN_OTHER_LINE]] = in_other_line;
        x[col[COL_OVERLAP]] = counts[4] ? (double)counts[5] / (double)counts[4] : 0.0;
        x[col[COL_OVERLAP_WORDS]] = log1p((double)counts[5]);
        x[col[COL_SCORE]] = clipped / 5.0;
        x[col[COL_KEPT]] = score > threshold;
        x[col[COL_BLANK_BEFORE]] = before;
        x[col[COL_BLANK_AFTER]] = after;
        x[col[COL_INDENT_LE_FIRST]] = indent_le_first;
        x[col[COL_BYLINE_AFTER]] = byline_after;
        x[col[COL_DATE_AFTER]] = date_after;
        x[col[COL_DATE_BEFORE]] = date_before;
        x[col[COL_TITLE_LIKE_BETWEEN]] = line->like ? log1p((double)line->between) : 3.0;
        x[col[COL_NAMES_SITE]] = names_site;
        /* the first title-like candidate at or below the body start */
        x[col[COL_FIRST_CANDIDATE]] = !first_like_seen && line->like && i <= first;
        first_like_seen |= line->like && i <= first;
    }
    result = idx;
    idx = NULL;
done:
    if (lines != NULL) {
        for (Py_ssize_t k = 0; k < hi - lo; k++) {
            Py_XDECREF(lines[k].body);
        }
        PyMem_Free(lines);
    }
    Py_XDECREF(joined);
    for (int k = 0; k < PAGE_LISTS; k++) {
        Py_XDECREF(owned[k]);
    }
    PyBuffer_Release(&view);
    Py_XDECREF(idx);
    return result;
}

/* d[key] as a Py_ssize_t, 0 where d lacks it; -1 with an exception set on failure. */
static int count_of(PyObject *d, PyObject *key, Py_ssize_t *value) {
    PyObject *item = PyDict_GetItemWithError(d, key); /* borrowed */
    if (item == NULL) {
        *value = 0;
        return PyErr_Occurred() ? -1 : 0;
    }
    *value = PyLong_AsSsize_t(item);
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(corpus_counts_doc,
"corpus_counts(keys, own, carrying, by_site, own_seen, is_prose, longest) -> (other_sites, other_pages)\n\n"
"storyline.extract.boilerplate.BoilerplateModel.counts's two lists for the line ``keys``,\n"
"as _corpus_counts_reference computes them: ``own`` holds the site's pages per key,\n"
"``carrying`` the sites per key (dicts of int), ``by_site`` whether the page has a site,\n"
"``own_seen`` 1 where the model has counted this page, ``is_prose`` is called on a key\n"
"that other sites carry; no key of ``carrying`` is longer than ``longest`` characters\n"
"(longer keys are not looked up).");

static PyObject *corpus_counts(PyObject *self, PyObject *args) {
    PyObject *keys, *own, *carrying, *is_prose;
    int by_site;
    Py_ssize_t own_seen, longest;
    if (!PyArg_ParseTuple(args, "O!O!O!pnOn:corpus_counts", &PyList_Type, &keys, &PyDict_Type, &own, &PyDict_Type,
                          &carrying, &by_site, &own_seen, &is_prose, &longest)) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(keys);
    /* a list of our own: the is_prose call cannot change what is read */
    PyObject *owned = PyList_GetSlice(keys, 0, n);
    PyObject *sites = PyList_New(n), *pages = PyList_New(n), *out = NULL;
    if (owned == NULL || sites == NULL || pages == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = Py_NewRef(PyList_GET_ITEM(owned, i));
        Py_ssize_t here = 0, count = 0;
        /* a key longer than any counted one is in neither dict: no hash of it, no lookup
         * (prose is long, and its lookups miss the CPU's caches) */
        int counted = !PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) <= longest;
        if (counted && (count_of(own, key, &here) < 0 || count_of(carrying, key, &count) < 0)) {
            Py_DECREF(key);
            goto done;
        }
        /* the other sites: less this one (a page of unknown site: less this page where seen) */
        Py_ssize_t others = by_site ? (here ? count - 1 : count) : (count ? count - own_seen : 0);
        if (others > 0) {
            /* prose is never counted as repeated across sites */
            PyObject *prose = PyObject_CallOneArg(is_prose, key);
            int truth = prose == NULL ? -1 : PyObject_IsTrue(prose);
            Py_XDECREF(prose);
            if (truth < 0) {
                Py_DECREF(key);
                goto done;
            }
            others = truth ? 0 : others;
        } else {
            others = 0;
        }
        Py_DECREF(key);
        Py_ssize_t other_pages = own_seen ? (here > own_seen ? here - own_seen : 0) : here;
        PyObject *a = PyLong_FromSsize_t(others), *b = PyLong_FromSsize_t(other_pages);
        if (a == NULL || b == NULL) {
            Py_XDECREF(a);
            Py_XDECREF(b);
            goto done;
        }
        PyList_SET_ITEM(sites, i, a);
        PyList_SET_ITEM(pages, i, b);
    }
    out = PyTuple_Pack(2, sites, pages);
done:
    Py_XDECREF(owned);
    Py_XDECREF(sites);
    Py_XDECREF(pages);
    return out;
}

PyDoc_STRVAR(tree_decision_doc,
"tree_decision(x, n, feature, threshold, children, value, trees, depth, baseline) -> bytes\n\n"
"The summed regression trees of storyline.extract._trees.TreeEnsemble for each of ``n``\n"
"rows, as native float64s: ``x`` holds the rows feature by feature (float64, feature f of\n"
"row r at f * n + r); node k (tree t's nodes at t * size, size = len(value) / trees) splits\n"
"on ``feature[k]`` (intp) at ``threshold[k]`` (float64), and a row steps to\n"
"``children[2 * k + (x <= threshold)]`` (intp: right, then left; a leaf points to itself),\n"
"``depth`` steps from each root; the row's value is baseline + the leaves' ``value``s\n"
"summed in tree order (as TreeEnsemble's numpy reference sums them).");

static PyObject *tree_decision(PyObject *self, PyObject *args) {
    Py_buffer xb, fb, tb, cb, vb;
    Py_ssize_t n, trees;
    int depth;
    double baseline;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*y*nid:tree_decision", &xb, &n, &fb, &tb, &cb, &vb, &trees, &depth,
                          &baseline)) {
        return NULL;
    }
    PyObject *out = NULL;
    Py_ssize_t nodes = vb.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t columns = n > 0 ? xb.len / (Py_ssize_t)sizeof(double) / n : 0;
    const Py_ssize_t *feature = fb.buf, *children = cb.buf;
    const double *x = xb.buf, *threshold = tb.buf, *value = vb.buf;
    /* every index in range, checked once here so the loops need not */
    if (n < 0 || trees <= 0 || depth < 0 || nodes % trees != 0 || xb.len != n * columns * (Py_ssize_t)sizeof(double)
        || fb.len != nodes * (Py_ssize_t)sizeof(Py_ssize_t) || tb.len != nodes * (Py_ssize_t)sizeof(double)
        || cb.len != 2 * nodes * (Py_ssize_t)sizeof(Py_ssize_t)) {
        PyErr_SetString(PyExc_ValueError, "tree_decision: arrays of mismatched sizes");
        goto done;
    }
    for (Py_ssize_t k = 0; k < nodes; k++) {
        if (children[2 * k] < 0 || children[2 * k] >= nodes || children[2 * k + 1] < 0
            || children[2 * k + 1] >= nodes || (n > 0 && (feature[k] < 0 || feature[k] >= columns))) {
            PyErr_SetString(PyExc_ValueError, "tree_decision: a node or feature index out of range");
            goto done;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (out == NULL) {
        goto done;
    }
    double *sums = (double *)PyBytes_AS_STRING(out);
    Py_ssize_t size = nodes / trees;
    for (Py_ssize_t t = 0; t < trees; t++) {
        Py_ssize_t r = 0;
        /* four rows at once: each step of a walk waits on the last one's loads, and four
         * independent walks keep the CPU busy meanwhile (speed) */
        for (; r + 4 <= n; r += 4) {
            Py_ssize_t a = t * size, b = a, c = a, d = a;
            for (int step = 0; step < depth; step++) {
                a = children[2 * a + (x[feature[a] * n + r] <= threshold[a])];
                b = children[2 * b + (x[feature[b] * n + r + 1] <= threshold[b])];
                c = children[2 * c + (x[feature[c] * n + r + 2] <= threshold[c])];
                d = children[2 * d + (x[feature[d] * n + r + 3] <= threshold[d])];
            }
            sums[r] = t == 0 ? value[a] : sums[r] + value[a];
            sums[r + 1] = t == 0 ? value[b] : sums[r + 1] + value[b];
            sums[r + 2] = t == 0 ? value[c] : sums[r + 2] + value[c];
            sums[r + 3] = t == 0 ? value[d] : sums[r + 3] + value[d];
        }
        for (; r < n; r++) {
            Py_ssize_t node = t * size;
            for (int step = 0; step < depth; step++) {
                node = children[2 * node + (x[feature[node] * n + r] <= threshold[node])];
            }
            sums[r] = t == 0 ? value[node] : sums[r] + value[node];
        }
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        sums[r] = baseline + sums[r];
    }
done:
    PyBuffer_Release(&xb);
    PyBuffer_Release(&fb);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&vb);
    return out;
}
