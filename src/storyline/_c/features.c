/* features.c: featurize, an article's features: term counts, slug terms, time words,
 * years, entities (word_terms, title_bag, body_bag, time_words, year_features,
 * entity_features: references in storyline/cluster/features.py; years_in in
 * storyline/cluster/timeinfo.py); ArticleFeatures records made and copied (new_fields,
 * with_field); an annotated article's record in one call (article_record,
 * article_features) and featurize from the stream (register_featurize, featurize), and
 * register_idf_cache (features._IdfCache). Uses common.c (idf_cache_type) and lines.c
 * (fnv1a, str_lower). */

/* ---- featurize: an article's term counts, slug terms, time words, years, entities ----
 * (references in storyline/cluster/features.py: word_terms, title_bag, body_bag,
 * time_words, year_features, entity_features; storyline/cluster/timeinfo.py: years_in).
 * ASCII text is read byte by byte, other text by code point with the Unicode tests the
 * references' regular expressions make; the few inputs where those would take more than
 * that to mirror (Chinese or Japanese words, URLs that urlsplit cleans or checks, letters
 * that IGNORECASE matches to ASCII ones) are left to the references: None back. */

/* Eight bytes at ``p`` as one word (any alignment; the tests below read bytes alike in
 * either byte order). */
static inline uint64_t load8(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Four and two bytes at ``p`` (any alignment), for equality tests. */
static inline uint32_t load4(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint16_t load2(const unsigned char *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Whether a[:n] == b[:n]: a word's bytes as two loads from each end that overlap (no byte
 * past n read; a call to memcmp costs more than they take), memcmp past 16. */
static inline int same_bytes(const unsigned char *a, const unsigned char *b, Py_ssize_t n) {
    if (n >= 8) {
        if (n > 16) {
            return memcmp(a, b, (size_t)n) == 0;
        }
        return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4) {
        return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    }
    if (n >= 2) {
        return load2(a) == load2(b) && load2(a + n - 2) == load2(b + n - 2);
    }
    return n == 0 || a[0] == b[0];
}

/* The loop that follows unrolled ``count`` times (where the compiler takes the hint). */
#if defined(__GNUC__) || defined(__clang__)
#define UNROLL_PRAGMA(text) _Pragma(#text)
#define UNROLL(count) UNROLL_PRAGMA(GCC unroll count)
#else
#define UNROLL(count)
#endif

#define BYTES_ONES 0x0101010101010101u
#define BYTES_HIGHS 0x8080808080808080u

/* Of eight ASCII bytes (each below 128: no carry passes between them), the high bit of each
 * byte in [lo, hi] (lo <= hi < 128) set, the rest clear. */
static inline uint64_t bytes_in(uint64_t v, unsigned lo, unsigned hi) {
    return (v + BYTES_ONES * (0x80u - lo)) & ~(v + BYTES_ONES * (0x7Fu - hi)) & BYTES_HIGHS;
}

/* Eight ASCII bytes with their capital letters lower-cased. */
static inline uint64_t lower8(uint64_t v) {
    return v | (bytes_in(v, 'A', 'Z') >> 2);
}

/* An ASCII letter ([A-Za-z]). */
static inline int ascii_letter(unsigned char c) {
    c |= 32;
    return c >= 'a' && c <= 'z';
}

/* A new str of ``n`` ASCII bytes. */
static PyObject *ascii_str(const unsigned char *s, Py_ssize_t n) {
    PyObject *out = PyUnicode_New(n, 127);
    if (out != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(out), s, (size_t)n);
    }
    return out;
}

/* ``term`` (a new str, or NULL with an exception set) interned, for the terms that are not
 * ASCII (ascii_term's are one object each already): every article's str of a term is then
 * one object, and the stream's dict lookups of it (IDF cache, story bags, document counts,
 * index) match by identity instead of comparing bytes. */
static PyObject *interned(PyObject *term) {
    if (term != NULL) {
        PyUnicode_InternInPlace(&term);
    }
    return term;
}

/* The ASCII terms made so far, by their bytes (open addressing, FNV-1a hashes): a term seen
 * before is the same str again (see interned; no str made, and no lookup in Python's
 * interned dict, which is large and costs more). Emptied when full, which bounds it. */
typedef struct {
    uint64_t hash;
    PyObject *term; /* NULL: an empty slot */
} CachedTerm;

#define TERM_CACHE_MAX (1 << 19)
static CachedTerm *term_cache = NULL;
static Py_ssize_t term_cache_mask = -1, term_cache_used = 0;

/* A table of ``size`` (a power of two) empty slots for the cache, the terms cached so far
 * filed in it where ``keep``, else released: 0, or -1 with MemoryError set. */
static int term_cache_resize(Py_ssize_t size, int keep) {
    CachedTerm *slots = PyMem_Calloc((size_t)size, sizeof(CachedTerm));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k <= term_cache_mask; k++) {
        CachedTerm old = term_cache[k];
        if (old.term == NULL) {
            continue;
        }
        if (!keep) {
            Py_DECREF(old.term);
            continue;
        }
        Py_ssize_t at = (Py_ssize_t)(old.hash & (uint64_t)(size - 1));
        while (slots[at].term != NULL) {
            at = (at + 1) & (size - 1);
        }
        slots[at] = old;
    }
    PyMem_Free(term_cache);
    term_cache = slots;
    term_cache_mask = size - 1;
    if (!keep) {
        term_cache_used = 0;
    }
    return 0;
}

/* ascii_term where the term may not be cached yet: the cache grown where it is half full, the
 * term found, or made and cached. Out of line: its calls and their saved registers are
 * only for the few terms met first. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static PyObject *ascii_term_made(const unsigned char *s, Py_ssize_t n, uint64_t hash) {
    if (2 * (term_cache_used + 1) > term_cache_mask + 1) {
        Py_ssize_t size = term_cache_mask < 0 ? 1024 : 2 * (term_cache_mask + 1);
        int keep = size <= TERM_CACHE_MAX;
        if (term_cache_resize(keep ? size : 1024, keep) < 0) {
            return NULL;
        }
    }
    Py_ssize_t at = (Py_ssize_t)(hash & (uint64_t)term_cache_mask);
    for (PyObject *term; (term = term_cache[at].term) != NULL; at = (at + 1) & term_cache_mask) {
        if (term_cache[at].hash == hash && PyUnicode_GET_LENGTH(term) == n
            && memcmp(PyUnicode_1BYTE_DATA(term), s, (size_t)n) == 0) {
            Py_INCREF(term);
            return term;
        }
    }
    PyObject *term = ascii_str(s, n);
    if (term != NULL) {
        Py_INCREF(term);
        term_cache[at] = (CachedTerm){hash, term};
        term_cache_used++;
    }
    return term;
}

/* The str of the ``n`` ASCII bytes at ``s`` (FNV-1a ``hash``), a new reference: the cached
 * one, or one made and cached (ascii_term_made). NULL with an exception set. */
static inline PyObject *ascii_term(const unsigned char *s, Py_ssize_t n, uint64_t hash) {
    if (term_cache != NULL) {
        for (Py_ssize_t at = (Py_ssize_t)(hash & (uint64_t)term_cache_mask); term_cache[at].term != NULL;
             at = (at + 1) & term_cache_mask) {
            PyObject *term = term_cache[at].term;
            if (term_cache[at].hash == hash && PyUnicode_GET_LENGTH(term) == n
                && same_bytes(PyUnicode_1BYTE_DATA(term), s, n)) {
                return Py_NewRef(term);
            }
        }
    }
    return ascii_term_made(s, n, hash);
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* ``n`` bytes for a call's scratch: ``stack`` where they fit, else from the heap (NULL
 * with MemoryError set); free_scratch gives them back. */
static unsigned char *scratch(unsigned char *stack, size_t stack_size, Py_ssize_t n) {
    if ((size_t)n <= stack_size) {
        return stack;
    }
    unsigned char *heap = PyMem_Malloc((size_t)n);
    if (heap == NULL) {
        PyErr_NoMemory();
    }
    return heap;
}

static void free_scratch(unsigned char *buf, const unsigned char *stack) {
    if (buf != stack) {
        PyMem_Free(buf);
    }
}

/* counts[key] += 1 (from 0): 0, or -1 with an exception set. */
static int count_key(PyObject *counts, PyObject *key) {
    PyObject *old = PyDict_GetItemWithError(counts, key);
    PyObject *count = NULL;
    if (old != NULL) {
        long value = PyLong_AsLong(old);
        count = value == -1 && PyErr_Occurred() ? NULL : PyLong_FromLong(value + 1);
    } else if (!PyErr_Occurred()) {
        count = PyLong_FromLong(1);
    }
    int status = count == NULL ? -1 : PyDict_SetItem(counts, key, count);
    Py_XDECREF(count);
    return status;
}

/* A character of features._WORD's [^\W\d_]: a letter, or a number that is no decimal digit. */
static inline int word_char(Py_UCS4 c) {
    /* (an ASCII one is a letter: told without the Unicode database, as most in text are) */
    return c < 128 ? ascii_letter((unsigned char)c) : Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

/* A character of features._CJK (kana and CJK ideographs). */
static inline int cjk_char(Py_UCS4 c) {
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff);
}

/* The arguments every function of this section checks: a str (or None where ``none_ok``),
 * a set of stop words, a positive count. 0, or -1 with TypeError or ValueError set. */
static int text_stop_count(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t want, const char *name,
                           int none_ok, Py_ssize_t *count) {
    if (nargs != want) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", name, want, nargs);
        return -1;
    }
    if (!PyUnicode_Check(args[0]) && !(none_ok && args[0] == Py_None)) {
        PyErr_Format(PyExc_TypeError, "%s: a str is needed", name);
        return -1;
    }
    if (!PyAnySet_Check(args[1])) {
        PyErr_Format(PyExc_TypeError, "%s: the stop words must be a set or frozenset", name);
        return -1;
    }
    *count = PyLong_AsSsize_t(args[2]);
    if (*count == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*count < 1) {
        PyErr_Format(PyExc_ValueError, "%s: stem length below 1", name);
        return -1;
    }
    return 0;
}

/* The ASCII members of a frozenset of stop words (of str only, not of a subclass that
 * could compare otherwise) as a byte-keyed hash set, so that an ASCII word is looked up
 * without making a str of it (an ASCII word equals no other member). A few sets are kept,
 * by identity (held, so none is another's address). */
typedef struct {
    uint64_t hash;
    Py_ssize_t start, len; /* in bytes; start -1: an empty slot */
} ByteKey;

typedef struct {
    PyObject *set;
    unsigned char *bytes;
    ByteKey *slots;
    Py_ssize_t mask;
} ByteSet;

#define STOP_SETS 4
static ByteSet stop_sets[STOP_SETS];
static int stop_sets_next = 0;

/* The slot of ``w`` (n bytes, hash h) in open-addressed ``slots``: its own, or the empty one
 * where it would go. */
static inline Py_ssize_t byte_slot(const ByteKey *slots, Py_ssize_t mask, const unsigned char *bytes,
                                   const unsigned char *w, Py_ssize_t n, uint64_t h) {
    for (Py_ssize_t k = (Py_ssize_t)(h & (uint64_t)mask);; k = (k + 1) & mask) {
        const ByteKey *slot = &slots[k];
        if (slot->start < 0 || (slot->hash == h && slot->len == n && same_bytes(bytes + slot->start, w, n))) {
            return k;
        }
    }
}

/* ``*found``: the byte set of ``stop`` where it is a frozenset of str (made on first sight),
 * else NULL (the caller asks the set). 0, or -1 with an exception set. */
static int stop_byte_set(PyObject *stop, const ByteSet **found) {
    *found = NULL;
    if (!PyFrozenSet_CheckExact(stop)) {
        return 0;
    }
    for (int k = 0; k < STOP_SETS; k++) {
        if (stop_sets[k].set == stop) {
            *found = &stop_sets[k];
            return 0;
        }
    }
    Py_ssize_t members = PySet_GET_SIZE(stop), total = 0, mask = 7;
    while (mask + 1 < 2 * members) {
        mask = 2 * mask + 1;
    }
    PyObject *iter = PyObject_GetIter(stop), *item;
    int all_str = 1;
    while (iter != NULL && (item = PyIter_Next(iter)) != NULL) {
        all_str &= PyUnicode_CheckExact(item);
        total += PyUnicode_CheckExact(item) && PyUnicode_IS_ASCII(item) ? PyUnicode_GET_LENGTH(item) : 0;
        Py_DECREF(item);
    }
    Py_XDECREF(iter);
    if (iter == NULL || PyErr_Occurred()) {
        return -1;
    }
    if (!all_str) {
        return 0;
    }
    ByteSet made = {stop, PyMem_Malloc((size_t)(total > 0 ? total : 1)), PyMem_Malloc((size_t)(mask + 1) * sizeof(ByteKey)), mask};
    if (made.bytes == NULL || made.slots == NULL) {
        PyMem_Free(made.bytes);
        PyMem_Free(made.slots);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k <= mask; k++) {
        made.slots[k].start = -1;
    }
    Py_ssize_t used = 0;
    iter = PyObject_GetIter(stop);
    while (iter != NULL && (item = PyIter_Next(iter)) != NULL) {
        Py_ssize_t n = PyUnicode_IS_ASCII(item) ? PyUnicode_GET_LENGTH(item) : -1;
        if (n >= 0 && used + n <= total) {
            const unsigned char *w = PyUnicode_1BYTE_DATA(item);
            uint64_t h = fnv1a(w, n);
            ByteKey *slot = &made.slots[byte_slot(made.slots, mask, made.bytes, w, n, h)];
            memcpy(made.bytes + used, w, (size_t)n);
            *slot = (ByteKey){h, used, n};
            used += n;
        }
        Py_DECREF(item);
    }
    Py_XDECREF(iter);
    if (iter == NULL || PyErr_Occurred()) {
        PyMem_Free(made.bytes);
        PyMem_Free(made.slots);
        return -1;
    }
    ByteSet *slot = &stop_sets[stop_sets_next];
    stop_sets_next = (stop_sets_next + 1) % STOP_SETS;
    Py_XDECREF(slot->set);
    PyMem_Free(slot->bytes);
    PyMem_Free(slot->slots);
    Py_INCREF(stop);
    *slot = made;
    *found = slot;
    return 0;
}

/* Stems counted in first-seen order, keyed by their bytes in one buffer that outlives
 * the counter (the lower-cased text): terms' Counter, with a str made per stem, not per word.
 * Its arrays share one allocation. */
typedef struct {
    const unsigned char *bytes;
    void *block;
    ByteKey *slots;          /* 2 * capacity of them */
    Py_ssize_t *slot_entry;  /* the entry of each used slot */
    ByteKey *entry;          /* capacity of them, in first-seen order */
    Py_ssize_t *entry_count;
    Py_ssize_t capacity, entries;
    int utf8; /* whether a stem may be UTF-8 (wide_stem_counts), not ASCII */
    void *spare; /* the caller's block for the arrays while they fit in it (a title's), or NULL */
    size_t spare_size;
} StemCounts;

/* Asks for the term cache's slots of the stems ``entries[order[k]]`` (order NULL: entries[k]),
 * k < n, then for the terms in them, before ascii_term looks them up one by one: the slots
 * and the terms lie far apart in memory, so the waits for them overlap instead of adding up. */
static void prefetch_terms(const ByteKey *entries, const Py_ssize_t *order, Py_ssize_t n) {
    if (term_cache == NULL) {
        return;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PREFETCH(&term_cache[entries[order != NULL ? order[k] : k].hash & (uint64_t)term_cache_mask]);
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *term = term_cache[entries[order != NULL ? order[k] : k].hash & (uint64_t)term_cache_mask].term;
        if (term != NULL) {
            PREFETCH(term);
        }
    }
}

/* Room for ``capacity`` stems: the entries so far moved to new arrays and filed in new
 * slots. 0, or -1 with MemoryError set. */
static int stem_counts_make_room(StemCounts *c, Py_ssize_t capacity) {
    size_t slots = 2 * (size_t)capacity;
    size_t size = slots * (sizeof(ByteKey) + sizeof(Py_ssize_t)) + (size_t)capacity * (sizeof(ByteKey) + sizeof(Py_ssize_t));
    char *block = c->spare != NULL && c->block == NULL && size <= c->spare_size ? c->spare : PyMem_Malloc(size);
    if (block == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    ByteKey *slot = (ByteKey *)block, *entry = slot + slots;
    Py_ssize_t *slot_entry = (Py_ssize_t *)(entry + capacity), *entry_count = slot_entry + slots;
    if (c->entries > 0) {
        memcpy(entry, c->entry, (size_t)c->entries * sizeof(ByteKey));
        memcpy(entry_count, c->entry_count, (size_t)c->entries * sizeof(Py_ssize_t));
    }
    if (c->block != c->spare) {
        PyMem_Free(c->block);
    }
    *c = (StemCounts){c->bytes, block, slot, slot_entry, entry, entry_count, capacity, c->entries, c->utf8, c->spare,
                      c->spare_size};
    UNROLL(8) /* (slots: a power of two, 16 or more) */
    for (size_t k = 0; k < slots; k++) {
        slot[k].start = -1;
    }
    for (Py_ssize_t e = 0; e < c->entries; e++) {
        Py_ssize_t k = byte_slot(slot, (Py_ssize_t)slots - 1, c->bytes, c->bytes + entry[e].start, entry[e].len,
                                 entry[e].hash);
        slot[k] = entry[e];
        slot_entry[k] = e;
    }
    return 0;
}

/* An empty counter of the stems of ``bytes`` (n of them), with room for as many distinct
 * stems as news text of that length has, growing past that: 0, or -1 with MemoryError
 * set (stem_counts_free either way). */
static int stem_counts_init(StemCounts *c, const unsigned char *bytes, Py_ssize_t n) {
    Py_ssize_t capacity = 8;
    while (capacity < n / 8) {
        capacity *= 2;
    }
    *c = (StemCounts){bytes, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, 0};
    return stem_counts_make_room(c, capacity);
}

/* stem_counts_init with the arrays in ``spare`` (``size`` bytes, the caller's: a short
 * text's take no allocation) while they fit. */
static int stem_counts_init_in(StemCounts *c, const unsigned char *bytes, Py_ssize_t n, void *spare, size_t size) {
    Py_ssize_t capacity = 8;
    while (capacity < n / 8) {
        capacity *= 2;
    }
    *c = (StemCounts){bytes, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, spare, size};
    return stem_counts_make_room(c, capacity);
}

static void stem_counts_free(StemCounts *c) {
    if (c->block != c->spare) {
        PyMem_Free(c->block);
    }
}

/* One more of bytes[start:start + len] (FNV-1a hash ``h``), or with ``again`` 0 only a new
 * one (a stem seen before keeps its count): 0, or -1 with MemoryError set. Inlined into the
 * word loops (a call per word cost a third of its work). */
static inline Py_ALWAYS_INLINE int stem_counts_add(StemCounts *c, Py_ssize_t start, Py_ssize_t len, uint64_t h,
                                                   int again) {
    const unsigned char *w = c->bytes + start;
    Py_ssize_t k = byte_slot(c->slots, 2 * c->capacity - 1, c->bytes, w, len, h);
    if (c->slots[k].start >= 0) {
        c->entry_count[c->slot_entry[k]] += again;
        return 0;
    }
    if (c->entries == c->capacity) {
        if (stem_counts_make_room(c, 2 * c->capacity) < 0) {
            return -1;
        }
        k = byte_slot(c->slots, 2 * c->capacity - 1, c->bytes, w, len, h);
    }
    /* (each stored from the value, not the one from the other: a read back of a store
     * just made in two halves waits for it) */
    ByteKey key = {h, start, len};
    c->entry[c->entries] = key;
    c->slots[k] = key;
    c->slot_entry[k] = c->entries;
    c->entry_count[c->entries] = 1;
    c->entries++;
    return 0;
}

/* The str of the counter's stem ``k``, a new reference (NULL with an exception set): its
 * ascii_term, or where it is UTF-8 (a byte above 127) the str decoded and interned. */
static PyObject *counted_stem(const StemCounts *c, Py_ssize_t k) {
    const unsigned char *s = c->bytes + c->entry[k].start;
    Py_ssize_t n = c->entry[k].len;
    for (Py_ssize_t i = 0; c->utf8 && i < n; i++) {
        if (s[i] >= 128) {
            return interned(PyUnicode_DecodeUTF8((const char *)s, n, NULL));
        }
    }
    return ascii_term(s, n, c->entry[k].hash);
}

/* The counts as a new dict (first-seen order), or NULL with an exception set. */
static PyObject *stem_counts_dict(const StemCounts *c) {
    prefetch_terms(c->entry, NULL, c->entries);
    PyObject *out = _PyDict_NewPresized(c->entries); /* sized once: no resize while it fills */
    for (Py_ssize_t k = 0; out != NULL && k < c->entries; k++) {
        PyObject *stem = counted_stem(c, k);
        PyObject *count = stem == NULL ? NULL : PyLong_FromSsize_t(c->entry_count[k]);
        if (count == NULL || PyDict_SetItem(out, stem, count) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(stem);
        Py_XDECREF(count);
    }
    return out;
}

/* Whether the lower-case ASCII word (FNV-1a hash ``h``) is in ``stop`` (its byte set where
 * it has one): 1 or 0, -1 with an exception set. */
static int is_stop_hashed(PyObject *stop, const ByteSet *bytes, const unsigned char *w, Py_ssize_t n, uint64_t h) {
    if (bytes != NULL) {
        return bytes->slots[byte_slot(bytes->slots, bytes->mask, bytes->bytes, w, n, h)].start >= 0;
    }
    PyObject *word = ascii_str(w, n);
    int found = word == NULL ? -1 : PySet_Contains(stop, word);
    Py_XDECREF(word);
    return found;
}

static int is_stop_word(PyObject *stop, const ByteSet *bytes, const unsigned char *w, Py_ssize_t n) {
    return is_stop_hashed(stop, bytes, w, n, fnv1a(w, n));
}

/* fnv1a of a word's first ``stem`` bytes (stem <= n), and of the whole word (n bytes) into
 * ``*whole``, in one pass (FNV-1a reads bytes in order: the stem's hash is a step of the word's). */
static inline uint64_t stem_hashes(const unsigned char *w, Py_ssize_t n, Py_ssize_t stem, uint64_t *whole) {
    uint64_t h = fnv1a(w, stem), stem_hash = h;
    for (Py_ssize_t i = stem; i < n; i++) {
        h = (h ^ w[i]) * 1099511628211u;
    }
    *whole = h;
    return stem_hash;
}

/* word_terms of text that is not ASCII: its words read from text.lower(), as the reference
 * reads them (a new dict, NULL with an exception set; Py_None, new, where it has CJK). */
static PyObject *wide_terms(PyObject *text, PyObject *stop, Py_ssize_t stem_chars) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (cjk_char(PyUnicode_READ(kind, data, i))) {
            Py_RETURN_NONE;
        }
    }
    PyObject *low = PyObject_CallMethodObjArgs(text, str_lower, NULL);
    if (low == NULL) {
        return NULL;
    }
    if (!PyUnicode_Check(low)) {
        PyErr_SetString(PyExc_TypeError, "word_terms: lower() gave no str");
        Py_DECREF(low);
        return NULL;
    }
    const ByteSet *stop_bytes;
    PyObject *counts = stop_byte_set(stop, &stop_bytes) < 0 ? NULL : PyDict_New();
    unsigned char word[64];
    kind = PyUnicode_KIND(low);
    data = PyUnicode_DATA(low);
    n = PyUnicode_GET_LENGTH(low);
    Py_ssize_t i = 0;
    while (counts != NULL && i < n) {
        if (!word_char(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int ascii = 1;
        for (Py_UCS4 c; i < n && word_char(c = PyUnicode_READ(kind, data, i)); i++) {
            ascii &= c < 128;
        }
        if (i - start < 2) {
            continue;
        }
        PyObject *stem;
        int is_stop;
        if (ascii && i - start <= (Py_ssize_t)sizeof word) {
            /* an ASCII word (most are, in text with a curly quote or an accent): looked up
             * and stemmed by its bytes, as count_term does */
            Py_ssize_t len = i - start, stem_len = len < stem_chars ? len : stem_chars;
            for (Py_ssize_t k = 0; k < len; k++) {
                word[k] = (unsigned char)PyUnicode_READ(kind, data, start + k);
            }
            is_stop = is_stop_word(stop, stop_bytes, word, len);
            stem = is_stop != 0 ? NULL : ascii_term(word, stem_len, fnv1a(word, stem_len));
        } else {
            stem = PyUnicode_Substring(low, start, i);
            is_stop = stem == NULL ? -1 : PySet_Contains(stop, stem);
            if (is_stop == 0 && i - start > stem_chars) {
                Py_SETREF(stem, PyUnicode_Substring(low, start, start + stem_chars));
            }
            stem = is_stop == 0 ? interned(stem) : stem;
        }
        if (is_stop < 0 || (!is_stop && (stem == NULL || count_key(counts, stem) < 0))) {
            Py_CLEAR(counts);
        }
        Py_XDECREF(stem);
    }
    Py_DECREF(low);
    return counts;
}

#if PY_VERSION_HEX < 0x030D0000
#define LOWER_BY_CHARACTER 1 /* _PyUnicode_ToLowerFull, str.lower's mapping of one character */
#endif

/* Counts the terms of ``text`` (a str that is not ASCII) into ``counts`` as wide_terms does,
 * without a lower-cased copy of the text or a dict of Python ints: each character lowered as
 * str.lower lowers it, where that gives one character and needs no context (not a capital
 * sigma); the stems keyed by their bytes, ASCII ones as they are, the others in UTF-8 (which
 * has a byte above 127: no ASCII key equals one). ``*buffer``: the counter's bytes, for the
 * caller to PyMem_Free after stem_counts_free (either way). 1 when counted; 0 where the text
 * has Chinese or Japanese characters; 2 where a character lowers otherwise or this Python
 * lacks the mapping (nothing counted: the caller takes wide_terms); -1 with an exception set. */
static int wide_stem_counts(PyObject *text, PyObject *stop, Py_ssize_t stem_chars, StemCounts *counts,
                            unsigned char **buffer) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    *buffer = NULL;
    *counts = (StemCounts){NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 1, NULL, 0};
#ifndef LOWER_BY_CHARACTER
    for (Py_ssize_t i = 0; i < n; i++) {
        if (cjk_char(PyUnicode_READ(kind, data, i))) {
            return 0;
        }
    }
    return 2;
#else
    /* the lowered characters, then the keys: a word's stem takes at most 4 bytes a character
     * and only a new one is kept, so the keys before a word take at most 4 bytes for each
     * character before it, and it has room for its own */
    Py_UCS4 *low = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(Py_UCS4));
    unsigned char *keys = *buffer = PyMem_Malloc(4 * (size_t)n + 8);
    if (low == NULL || keys == NULL) {
        PyMem_Free(low);
        PyErr_NoMemory();
        return -1;
    }
    /* (a Chinese or Japanese character seen first gives 0; one after a character lowered
     * otherwise is seen by wide_terms) */
    int status = 1;
    for (Py_ssize_t i = 0; status == 1 && i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), mapped[3];
        if (c < 128) {
            low[i] = c >= 'A' && c <= 'Z' ? c | 32 : c;
        } else if (cjk_char(c)) {
            status = 0;
        } else if (c == 0x3A3 || _PyUnicode_ToLowerFull(c, mapped) != 1) {
            status = 2;
        } else {
            low[i] = mapped[0];
        }
    }
    const ByteSet *stop_bytes;
    if (status == 1 && (stop_byte_set(stop, &stop_bytes) < 0 || stem_counts_init(counts, keys, n) < 0)) {
        status = -1;
    }
    counts->utf8 = 1;
    Py_ssize_t used = 0, i = 0;
    while (status == 1 && i < n) {
        if (!word_char(low[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int ascii = 1;
        for (; i < n && word_char(low[i]); i++) {
            ascii &= low[i] < 128;
        }
        Py_ssize_t len = i - start, stem_len = len < stem_chars ? len : stem_chars, bytes = 0;
        if (len < 2) {
            continue;
        }
        unsigned char *w = keys + used;
        uint64_t stem_hash;
        int is_stop;
        if (ascii) {
            for (Py_ssize_t k = 0; k < len; k++) {
                w[k] = (unsigned char)low[start + k];
            }
            uint64_t word_hash;
            stem_hash = stem_hashes(w, len, stem_len, &word_hash);
            is_stop = is_stop_hashed(stop, stop_bytes, w, len, word_hash);
            bytes = stem_len;
        } else {
            PyObject *word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, low + start, len);
            is_stop = word == NULL ? -1 : PySet_Contains(stop, word);
            Py_XDECREF(word);
            /* the stem in UTF-8 (a word has no surrogate: none is a letter) */
            for (Py_ssize_t k = start; k < start + stem_len; k++) {
                Py_UCS4 c = low[k];
                if (c < 0x80) {
                    w[bytes++] = (unsigned char)c;
                } else if (c < 0x800) {
                    w[bytes++] = (unsigned char)(0xC0 | (c >> 6));
                    w[bytes++] = (unsigned char)(0x80 | (c & 0x3F));
                } else if (c < 0x10000) {
                    w[bytes++] = (unsigned char)(0xE0 | (c >> 12));
                    w[bytes++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                    w[bytes++] = (unsigned char)(0x80 | (c & 0x3F));
                } else {
                    w[bytes++] = (unsigned char)(0xF0 | (c >> 18));
                    w[bytes++] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
                    w[bytes++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                    w[bytes++] = (unsigned char)(0x80 | (c & 0x3F));
                }
            }
            stem_hash = fnv1a(w, bytes);
        }
        Py_ssize_t before = counts->entries;
        if (is_stop < 0 || (!is_stop && stem_counts_add(counts, used, bytes, stem_hash, 1) < 0)) {
            status = -1;
        } else if (counts->entries > before) {
            used += bytes; /* a new stem: its bytes kept */
        }
    }
    PyMem_Free(low);
    return status;
#endif
}

/* fnv1a's constants, for the loops that hash a word as they read it */
#define FNV_OFFSET 14695981039346656037u
#define FNV_PRIME 1099511628211u

/* The stem length count_ascii_terms reads with its loop unrolled (features.STEM_CHARS). */
#define STEM_UNROLLED 7

/* Each byte's lower-case ASCII letter, 0 where it is none: one load tells and lowers it. */
static unsigned char lower_letter[256];

/* The terms of ASCII text ``s`` (n bytes) counted into ``counts``, whose bytes (n of them)
 * take the lower-cased words: 0, or -1 with an exception set. */
static int count_ascii_terms(const unsigned char *s, Py_ssize_t n, StemCounts *counts, PyObject *stop,
                             const ByteSet *stop_bytes, Py_ssize_t stem_chars) {
    if (lower_letter['a'] == 0) {
        for (int c = 'a'; c <= 'z'; c++) {
            lower_letter[c] = lower_letter[c - 32] = (unsigned char)c;
        }
    }
    unsigned char *low = (unsigned char *)counts->bytes;
    Py_ssize_t i = 0;
    int unrolled = stem_chars == STEM_UNROLLED;
    while (i < n) {
        if (!lower_letter[s[i]]) {
            i++;
            continue;
        }
        /* each word lower-cased and hashed (fnv1a) as it is read: its stem's hash, then its own */
        Py_ssize_t start = i;
        uint64_t h = FNV_OFFSET;
        int ended = 0; /* whether the byte at i, no letter, was read (the word is whole) */
        if (unrolled && n - start >= STEM_UNROLLED) {
            /* features.STEM_CHARS letters or fewer, the loop unrolled: no bound test per letter */
            const unsigned char *from = s + start;
            unsigned char *to = low + start;
            int k = 0;
            UNROLL(STEM_UNROLLED)
            for (; k < STEM_UNROLLED; k++) {
                unsigned char c = lower_letter[from[k]];
                if (c == 0) {
                    break;
                }
                to[k] = c;
                h = (h ^ c) * FNV_PRIME;
            }
            i = start + k;
            ended = k < STEM_UNROLLED;
        } else {
            Py_ssize_t stem_end = n - start > stem_chars ? start + stem_chars : n;
            for (unsigned char c; i < stem_end && (c = lower_letter[s[i]]) != 0; i++) {
                low[i] = c;
                h = (h ^ c) * FNV_PRIME;
            }
        }
        uint64_t stem_hash = h;
        for (unsigned char c; !ended && i < n && (c = lower_letter[s[i]]) != 0; i++) {
            low[i] = c;
            h = (h ^ c) * FNV_PRIME;
        }
        Py_ssize_t len = i - start;
        i++; /* past the byte that ended the word, no letter (at n: none, the loop ends) */
        if (len < 2) {
            continue;
        }
        int is_stop = is_stop_hashed(stop, stop_bytes, low + start, len, h);
        if (is_stop < 0 || (!is_stop && stem_counts_add(counts, start, len < stem_chars ? len : stem_chars, stem_hash,
                                                        1) < 0)) {
            return -1;
        }
    }
    return 0;
}

/* Text that is not ASCII read as ASCII where that gives its terms: where every character
 * above ASCII is neither a word character (features._WORD's) nor one that str.lower
 * changes (quotes, dashes, spaces: each only parts words, as a space does), the ASCII
 * characters of ``text`` into ``out`` (its length of bytes) and a space for each of those
 * others; its words are then those of ASCII text (count_ascii_terms), without a wide
 * counter's work per character (most such text is English with a curly quote). 1 when
 * read; 0 where it has a Chinese or Japanese character; 2 where it has one of the others
 * or this Python lacks str.lower's mapping (``out`` partly written: the caller takes the
 * wide counter). */
static int ascii_words_of(PyObject *text, unsigned char *out) {
#ifdef LOWER_BY_CHARACTER
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), mapped[3];
        if (c < 128) {
            out[i] = (unsigned char)c;
        } else if (cjk_char(c)) {
            return 0;
        } else if (word_char(c) || _PyUnicode_ToLowerFull(c, mapped) != 1 || mapped[0] != c) {
            return 2;
        } else {
            out[i] = ' ';
        }
    }
    return 1;
#else
    return 2;
#endif
}

/* ``text`` as the bytes count_ascii_terms reads: its own where it is ASCII (lower-cased
 * where they lie: count_ascii_terms writes each byte after reading it), else ``low`` as
 * ascii_words_of writes it. ascii_words_of's answer: 1 read (always, for ASCII). */
static inline int ascii_text(PyObject *text, unsigned char *low, const unsigned char **s) {
    if (PyUnicode_IS_ASCII(text)) {
        *s = PyUnicode_1BYTE_DATA(text);
        return 1;
    }
    *s = low;
    return ascii_words_of(text, low);
}

PyDoc_STRVAR(word_terms_doc,
"word_terms(text, stop, stem_chars) -> dict | None\n\n"
"Counter(w[:stem_chars] for w in features._WORD.findall(text.lower()) if w not in stop)\n"
"as a plain dict (first-seen order), or None where ``text`` has Chinese or Japanese\n"
"characters (storyline.cluster.features.word_terms).");

static PyObject *word_terms(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t stem_chars;
    if (text_stop_count(args, nargs, 3, "word_terms", 0, &stem_chars) < 0) {
        return NULL;
    }
    PyObject *text = args[0], *stop = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    unsigned char stack[1024];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    const unsigned char *s;
    int as_ascii = ascii_text(text, low, &s);
    if (as_ascii != 1) {
        free_scratch(low, stack);
        if (as_ascii == 0) {
            Py_RETURN_NONE;
        }
        StemCounts counts;
        unsigned char *buffer;
        int found = wide_stem_counts(text, stop, stem_chars, &counts, &buffer);
        PyObject *out = found == 1 ? stem_counts_dict(&counts) : found == 0 ? Py_NewRef(Py_None)
                        : found == 2 ? wide_terms(text, stop, stem_chars) : NULL;
        stem_counts_free(&counts);
        PyMem_Free(buffer);
        return out;
    }
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        free_scratch(low, stack);
        return NULL;
    }
    StemCounts counts;
    PyObject *out = NULL;
    if (stem_counts_init(&counts, low, n) == 0 && count_ascii_terms(s, n, &counts, stop, stop_bytes, stem_chars) == 0) {
        out = stem_counts_dict(&counts);
    }
    stem_counts_free(&counts);
    free_scratch(low, stack);
    return out;
}

/* A byte urlsplit passes through unchanged anywhere in a URL (no space, control
 * character or DEL: it strips or drops some of those). */
static inline int plain_url_byte(unsigned char c) {
    return c > ' ' && c < 127;
}

static inline int scheme_byte(unsigned char c) {
    return ascii_letter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* Byte classes of a URL for count_slug_terms (slug_class_table): the slug separators of
 * features._SLUG_SEPARATORS ([-_+]), ".", "/", the starts of a query or fragment ("?", "#"),
 * the bytes urlsplit does not pass through unchanged (plain_url_byte; NUL among them, which
 * ends every str's data), "\" (dropped before urlsplit), a host's brackets, and the bytes of
 * a scheme (scheme_byte). */
enum { SL_SEPARATOR = 1, SL_DOT = 2, SL_SLASH = 4, SL_QUERY = 8, SL_NOT_PLAIN = 16, SL_BACKSLASH = 32,
       SL_BRACKET = 64, SL_SCHEME = 128 };
/* the bytes that end a word of a path */
#define SL_WORD_END (SL_SEPARATOR | SL_SLASH | SL_QUERY | SL_NOT_PLAIN | SL_BACKSLASH)
static unsigned char slug_class[256];

static void slug_class_table(void) {
    for (int c = 0; c < 256; c++) {
        slug_class[c] = (plain_url_byte((unsigned char)c) ? 0 : SL_NOT_PLAIN)
                        | (scheme_byte((unsigned char)c) ? SL_SCHEME : 0);
        lower_letter[c] = ascii_letter((unsigned char)c) ? (unsigned char)(c | 32) : 0;
    }
    slug_class['-'] |= SL_SEPARATOR;
    slug_class['_'] |= SL_SEPARATOR;
    slug_class['+'] |= SL_SEPARATOR;
    slug_class['.'] |= SL_DOT;
    slug_class['/'] = SL_SLASH;
    slug_class['?'] = slug_class['#'] = SL_QUERY;
    slug_class['\\'] = SL_BACKSLASH;
    slug_class['['] = slug_class[']'] = SL_BRACKET;
}

/* A word of a slug: where it starts in the URL (the same place in the counter's bytes,
 * which take it lower-cased), its length and its fnv1a hash. */
typedef struct {
    Py_ssize_t start, len;
    uint64_t hash;
} SlugWord;

/* slug_words' words of the ASCII URL ``s`` (n bytes and the NUL after them), in order into
 * ``words`` (room for (n + 1) / 3 + 1), each lower-cased into ``low`` at its place in ``s``
 * and hashed as it is read, in one pass over the URL: how many there are; -2 where a "\"
 * comes before the path's end (read it again without them: urlsplit reads
 * url.replace("\\", "")); -1 for a URL left to the reference (a byte urlsplit changes, a
 * host with brackets).
 *
 * urlsplit: a scheme up to the first ":" (a letter, then scheme bytes), a host after "//"
 * up to the first of "/?#", the path up to the first of "?#". slug_words: each segment of
 * the path (between "/"), its name up to its last ".", split at runs of separators into
 * words, of which those of two letters or more count where the name has ``min_words`` of
 * them. A word with a "." in it is cut at its first one where all before it are letters
 * (no later "." in the segment: the last one) and the words after it dropped. */
static Py_ssize_t slug_words_in(const unsigned char *s, Py_ssize_t n, unsigned char *low, SlugWord *words,
                                Py_ssize_t min_words) {
    Py_ssize_t i = 0;
    while (slug_class[s[i]] & SL_SCHEME) {
        i++;
    }
    if (s[i] == '\\') {
        return -2;
    }
    i = s[i] == ':' && i > 0 && ascii_letter(s[0]) ? i + 1 : 0;
    unsigned char k;
    if (s[i] == '/' && s[i + 1] == '/') {
        for (i += 2; !((k = slug_class[s[i]]) & (SL_SLASH | SL_QUERY | SL_NOT_PLAIN | SL_BACKSLASH | SL_BRACKET));
             i++) {
        }
        if (k & SL_BACKSLASH) {
            return -2;
        }
        if ((k & SL_BRACKET) || ((k & SL_NOT_PLAIN) && i < n)) { /* an IPv6 host, or an invalid one */
            return -1;
        }
    }
    Py_ssize_t found = 0;
    for (;;) { /* a segment at s[i:] */
        Py_ssize_t first = found, before_dot = -1; /* before_dot: the words before its last "." so far */
        SlugWord cut = {0, 0, 0};                  /* the word of that ".", cut there (len < 2: none) */
        for (;;) {                                 /* a word at s[i:] */
            Py_ssize_t start = i;
            uint64_t h = FNV_OFFSET;
            for (unsigned char c; (c = lower_letter[s[i]]) != 0; i++) {
                low[i] = c;
                h = (h ^ c) * FNV_PRIME;
            }
            k = slug_class[s[i]];
            if (!(k & SL_WORD_END)) { /* a "." or another byte that is no letter: not a word */
                if (k & SL_DOT) {
                    before_dot = found;
                    cut = (SlugWord){start, i - start, h};
                }
                while (!((k = slug_class[s[++i]]) & SL_WORD_END)) {
                    if (k & SL_DOT) {
                        before_dot = found;
                        cut.len = 0;
                    }
                }
            } else if (i - start >= 2) {
                words[found++] = (SlugWord){start, i - start, h};
            }
            if (!(k & SL_SEPARATOR)) {
                break;
            }
            while (slug_class[s[++i]] & SL_SEPARATOR) {
            }
        }
        if (k & SL_BACKSLASH) {
            return -2;
        }
        if (before_dot >= 0) {
            found = before_dot;
            if (cut.len >= 2) {
                words[found++] = cut;
            }
        }
        if (found - first < min_words) {
            found = first;
        }
        if (k & SL_SLASH) {
            i++;
        } else if (k & SL_QUERY) { /* the rest is no part of the path, but must be plain as before */
            for (i++; i < n; i++) {
                if (!plain_url_byte(s[i])) {
                    return -1;
                }
            }
            return found;
        } else {
            return i == n ? found : -1; /* the URL's end, or a byte urlsplit changes */
        }
    }
}

/* Counts terms(slug_words(url, min_words), stop) (storyline.cluster.features) into
 * ``counts`` (``again``: see stem_counts_add), for a URL (a str or None) of printable ASCII
 * (backslashes dropped) whose host has no brackets: the counter's bytes from ``offset`` on
 * (room for the URL's length) take its words. 1, 0 for other URLs (nothing counted), or -1
 * with an exception set. The words are all read before any is counted (the stop set may
 * run Python code). */
static int count_slug_terms(PyObject *url, StemCounts *counts, Py_ssize_t offset, PyObject *stop,
                            const ByteSet *stop_bytes, Py_ssize_t stem_chars, Py_ssize_t min_words, int again) {
    if (url == Py_None) {
        return 1;
    }
    if (!PyUnicode_IS_ASCII(url)) {
        return 0;
    }
    if (slug_class['/'] == 0) {
        slug_class_table();
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(url);
    const unsigned char *s = PyUnicode_1BYTE_DATA(url); /* (NUL after the n bytes, as in every str) */
    unsigned char *low = (unsigned char *)counts->bytes + offset;
    /* a word and the byte after it take three */
    Py_ssize_t most = (n + 1) / 3 + 1;
    SlugWord stack[64];
    SlugWord *words = most <= 64 ? stack : PyMem_Malloc((size_t)most * sizeof(SlugWord));
    if (words == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t found = slug_words_in(s, n, low, words, min_words);
    if (found == -2) {
        /* the URL without its backslashes, in the counter's bytes (fewer than n: room for
         * the NUL), read in place */
        Py_ssize_t m = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (s[i] != '\\') {
                low[m++] = s[i];
            }
        }
        low[m] = 0;
        found = slug_words_in(low, m, low, words, min_words);
    }
    int status = found < 0 ? 0 : 1;
    for (Py_ssize_t k = 0; k < found; k++) {
        const unsigned char *w = low + words[k].start;
        Py_ssize_t len = words[k].len, stem = len < stem_chars ? len : stem_chars;
        uint64_t stem_hash = stem == len ? words[k].hash : fnv1a(w, stem);
        int is_stop = is_stop_hashed(stop, stop_bytes, w, len, words[k].hash);
        if (is_stop < 0 || (!is_stop && stem_counts_add(counts, offset + words[k].start, stem, stem_hash, again) < 0)) {
            status = -1;
            break;
        }
    }
    if (words != stack) {
        PyMem_Free(words);
    }
    return status;
}

/* terms(slug_words(url, min_words), stop) as a new dict, for the URLs count_slug_terms
 * reads; Py_None (new) for other URLs; NULL with an exception set. */
static PyObject *slug_counts(PyObject *url, PyObject *stop, Py_ssize_t stem_chars, Py_ssize_t min_words) {
    Py_ssize_t n = url == Py_None ? 0 : PyUnicode_GET_LENGTH(url);
    unsigned char stack[512];
    unsigned char *u = scratch(stack, sizeof stack, n);
    if (u == NULL) {
        return NULL;
    }
    StemCounts counts;
    const ByteSet *stop_bytes;
    PyObject *out = NULL;
    int status = stem_counts_init(&counts, u, n) < 0 || stop_byte_set(stop, &stop_bytes) < 0
                 ? -1 : count_slug_terms(url, &counts, 0, stop, stop_bytes, stem_chars, min_words, 1);
    if (status > 0) {
        out = stem_counts_dict(&counts);
    } else if (status == 0) {
        out = Py_NewRef(Py_None);
    }
    stem_counts_free(&counts);
    free_scratch(u, stack);
    return out;
}

/* features.log_weights: {t: 1.0 + math.log(c) for t, c in counts.items()} for a dict of
 * positive int counts, as a new dict (NULL with an exception set). */
static PyObject *log_weights(PyObject *counts) {
    PyObject *out = _PyDict_NewPresized(PyDict_GET_SIZE(counts));
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *term, *count;
    while (PyDict_Next(counts, &pos, &term, &count)) {
        if (!PyLong_Check(count)) {
            PyErr_SetString(PyExc_TypeError, "log_weights: counts must be ints");
            goto fail;
        }
        double c = PyLong_AsDouble(count);
        if (c == -1.0 && PyErr_Occurred()) {
            goto fail;
        }
        if (!(c > 0.0)) {
            PyErr_SetString(PyExc_ValueError, "math domain error");
            goto fail;
        }
        /* the C library's log, as math.log calls it for an int that fits a double */
        PyObject *weight = PyFloat_FromDouble(1.0 + log(c));
        if (weight == NULL || PyDict_SetItem(out, term, weight) < 0) {
            Py_XDECREF(weight);
            goto fail;
        }
        Py_DECREF(weight);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* Byte classes of the time-word scan (time_words_table). */
enum { TW_WORD = 1, TW_SPACE = 2, TW_DIGIT = 4, TW_WEEKDAY = 8, TW_MONTH = 16 };
static unsigned char time_word_class[256];

/* Python's \w, \s and \d (str patterns) of each ASCII byte, and the first letters of the
 * weekday and month names. */
static void time_words_table(void) {
    for (int c = 0; c < 128; c++) {
        unsigned char k = 0;
        if (ascii_letter((unsigned char)c) || (c >= '0' && c <= '9') || c == '_') {
            k |= TW_WORD;
        }
        if (Py_UNICODE_ISSPACE(c)) {
            k |= TW_SPACE;
        }
        if (c >= '0' && c <= '9') {
            k |= TW_DIGIT;
        }
        if (c && strchr("mtwfs", c)) {
            k |= TW_WEEKDAY;
        }
        if (c && strchr("jfmasond", c)) {
            k |= TW_MONTH;
        }
        time_word_class[c] = k;
    }
}

/* One empty frozenset for every article that names no weekday (or month) or number: most
 * do not, and the collector would otherwise track one new set each; and a pair of them. */
static PyObject *no_names = NULL, *no_time_words = NULL;
/* The weight of each year of a year bag (one float, as the reference's constant). */
static PyObject *one_float = NULL;
/* The attribute names entity_features reads, and the str method it calls on names that are
 * not ASCII after lower(). */
static PyObject *attr_label = NULL, *attr_text = NULL, *attr_canonical = NULL, *str_strip = NULL;
/* Where an entity's class keeps them (model.Entity: slots), learnt per class (common.c's
 * SlotSite; an entity of any other class, or one without such a slot, read by getattr). */
static SlotSite entity_label_site, entity_text_site, entity_canonical_site;

/* Makes the objects and the table above at the first call of this section's functions: 0,
 * or -1 with an exception set. */
static int featurize_ready(void) {
    if (str_strip != NULL) {
        return 0;
    }
    time_words_table();
    if (no_names == NULL && (no_names = PyFrozenSet_New(NULL)) == NULL) {
        return -1;
    }
    if (no_time_words == NULL && (no_time_words = PyTuple_Pack(2, no_names, no_names)) == NULL) {
        return -1;
    }
    if (one_float == NULL && (one_float = PyFloat_FromDouble(1.0)) == NULL) {
        return -1;
    }
    PyObject **names[] = {&attr_label, &attr_text, &attr_canonical, &str_strip};
    const char *values[] = {"label", "text", "canonical", "strip"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        if (*names[k] == NULL && (*names[k] = PyUnicode_InternFromString(values[k])) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* The weights of the counts below this, made once and shared (floats are immutable): most
 * terms are counted a few times, and a new float each is an allocation and a log. */
#define SHARED_WEIGHTS 64
static PyObject *shared_weight[SHARED_WEIGHTS];

/* The weight of a term counted ``count`` times, 1 + log(count), as a new reference (the C
 * library's log, as math.log calls it for an int that fits a double; one shared 1.0, and
 * shared floats for the other small counts). NULL with an exception set. */
static PyObject *count_weight(Py_ssize_t count) {
    if (count == 1) {
        Py_INCREF(one_float);
        return one_float;
    }
    if (count > 1 && count < SHARED_WEIGHTS) {
        if (shared_weight[count] == NULL && (shared_weight[count] = PyFloat_FromDouble(1.0 + log((double)count))) == NULL) {
            return NULL;
        }
        return Py_NewRef(shared_weight[count]);
    }
    return PyFloat_FromDouble(1.0 + log((double)count));
}

/* Adds the ASCII name to ``*set``, a brand-new frozenset made here at the first name (NULL
 * before): 0, or -1 with an exception set. */
static int add_name(PyObject **set, const char *name) {
    if (*set == NULL && (*set = PyFrozenSet_New(NULL)) == NULL) {
        return -1;
    }
    PyObject *item = PyUnicode_FromString(name);
    int status = item == NULL ? -1 : PySet_Add(*set, item);
    Py_XDECREF(item);
    return status;
}

typedef struct {
    const char *s;
    Py_ssize_t len;
} Word;

static const Word weekday_names[] = {{"mon", 3}, {"tues", 4}, {"wednes", 6}, {"thurs", 5}, {"fri", 3},
                                     {"satur", 5}, {"sun", 3}};
static const Word month_names[] = {{"jan", 3}, {"feb", 3}, {"mar", 3}, {"apr", 3}, {"may", 3}, {"jun", 3},
                                   {"jul", 3}, {"aug", 3}, {"sep", 3}, {"oct", 3}, {"nov", 3}, {"dec", 3}};
/* the month pattern's optional endings, in the order its alternation tries them */
static const Word month_endings[] = {{"uary", 4}, {"ruary", 5}, {"ch", 2}, {"il", 2}, {"e", 1}, {"y", 1},
                                     {"ust", 3}, {"tember", 6}, {"t.", 2}, {"ober", 4}, {"ember", 5}, {".", 1},
                                     {"", 0}};

/* Whether low[i:] opens with ``w``. */
static inline int opens_with(const unsigned char *low, Py_ssize_t n, Py_ssize_t i, const Word *w) {
    if (i + w->len > n) {
        return 0;
    }
    for (Py_ssize_t k = 0; k < w->len; k++) {
        if (low[i + k] != (unsigned char)w->s[k]) {
            return 0;
        }
    }
    return 1;
}

/* The weekday and month names that features._WEEKDAY_LOWER and _MONTH_LOWER find in
 * ``low`` (left to right, not overlapping), added to ``*weekdays`` and ``*months`` (see
 * add_name). ``low``: ASCII letters lower-cased, every other character as time_words
 * stands it in. Each match is found from where it must end, which is rarer than where it
 * may start: a weekday's "day", a month's day number after whitespace. */
static int find_time_words(const unsigned char *low, Py_ssize_t n, PyObject **weekdays, PyObject **months) {
    const unsigned char *cls = time_word_class, *y = n > 0 ? memchr(low, 'y', (size_t)n) : NULL;
    /* \b(mon|tues|wednes|thurs|fri|satur|sun)day\b: at most one name ends where a "day" starts */
    for (; y != NULL; y = memchr(y + 1, 'y', (size_t)(low + n - y - 1))) {
        Py_ssize_t day = y - low - 2, end = day + 3;
        if (day < 3 || low[day] != 'd' || low[day + 1] != 'a' || (end < n && (cls[low[end]] & TW_WORD))) {
            continue;
        }
        for (size_t w = 0; w < sizeof weekday_names / sizeof *weekday_names; w++) {
            Py_ssize_t start = day - weekday_names[w].len;
            if (start >= 0 && (start == 0 || !(cls[low[start - 1]] & TW_WORD))
                && opens_with(low, n, start, &weekday_names[w])) {
                if (add_name(weekdays, weekday_names[w].s) < 0) {
                    return -1;
                }
                break;
            }
        }
    }
    /* (jan|...|dec)(?<!\w...)(ending)?(?=\s+\d{1,2}\b): at a run of whitespace that one or
     * two digits ending a word follow, the one name and ending that end where it starts
     * (two cannot: the later would start after a "." inside the earlier, which has none
     * but at its end) */
    for (Py_ssize_t k = 1; k < n; k++) {
        /* (eight bytes at a time up to one that may be a digit: every byte here is ASCII) */
        while (k + 8 <= n && bytes_in(load8(low + k), '0', '9') == 0) {
            k += 8;
        }
        if (k >= n) {
            break;
        }
        if (!(cls[low[k]] & TW_DIGIT) || !(cls[low[k - 1]] & TW_SPACE)) {
            continue;
        }
        Py_ssize_t d = k;
        while (d < n && d - k < 2 && (cls[low[d]] & TW_DIGIT)) {
            d++;
        }
        if (d < n && (cls[low[d]] & TW_WORD)) {
            continue;
        }
        Py_ssize_t space = k - 1;
        while (space > 0 && (cls[low[space - 1]] & TW_SPACE)) {
            space--;
        }
        int found = 0;
        for (size_t e = 0; !found && e < sizeof month_endings / sizeof *month_endings; e++) {
            Py_ssize_t start = space - 3 - month_endings[e].len;
            if (start < 0 || (start > 0 && (cls[low[start - 1]] & TW_WORD))
                || !opens_with(low, n, start + 3, &month_endings[e])) {
                continue;
            }
            for (size_t m = 0; !found && m < sizeof month_names / sizeof *month_names; m++) {
                if (opens_with(low, n, start, &month_names[m])) {
                    if (add_name(months, month_names[m].s) < 0) {
                        return -1;
                    }
                    found = 1;
                }
            }
        }
    }
    return 0;
}

/* What a character that is not ASCII stands in as in the scan: the classes of the patterns'
 * \w, \s and \d it is in (a decimal digit as "0", another letter or number as "_", a space
 * as " ", the rest as "#": none of them is in a name); -1 for the four characters that
 * IGNORECASE matches to ASCII letters ("İ" and "ı" i, "ſ" s, the Kelvin sign k). */
static int stand_in(Py_UCS4 c) {
    if (c == 0x130 || c == 0x131 || c == 0x17F || c == 0x212A) {
        return -1;
    }
    return Py_UNICODE_ISDECIMAL(c) ? '0' : Py_UNICODE_ISALNUM(c) ? '_' : Py_UNICODE_ISSPACE(c) ? ' ' : '#';
}

/* The first ``count`` characters of ``str`` as the time-word scan reads them, into ``out``:
 * ASCII letters lower-cased, the rest of ASCII as it is, other characters stood in
 * (stand_in). 0, or -1 where one is a letter that IGNORECASE matches to an ASCII one. */
static int top_chars(unsigned char *out, PyObject *str, Py_ssize_t count) {
    Py_ssize_t i = 0;
    if (PyUnicode_IS_ASCII(str)) {
        const unsigned char *s = PyUnicode_1BYTE_DATA(str);
        for (; i + 8 <= count; i += 8) {
            uint64_t v = lower8(load8(s + i));
            memcpy(out + i, &v, sizeof v);
        }
        for (; i < count; i++) {
            out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (unsigned char)(s[i] | 32) : s[i];
        }
        return 0;
    }
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (; i < count; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 128) {
            int standing = stand_in(c);
            if (standing < 0) {
                return -1;
            }
            c = (Py_UCS4)standing;
        }
        out[i] = (unsigned char)(c >= 'A' && c <= 'Z' ? c | 32 : c);
    }
    return 0;
}

PyDoc_STRVAR(time_words_doc,
"time_words(title, text, chars) -> (frozenset, frozenset) | None\n\n"
"features._time_words((title + '\\n' + text)[:chars]): the weekdays and the months given\n"
"with a day that the top of an article names, lower-cased; None where that top holds one\n"
"of the four letters that IGNORECASE matches to ASCII ones.");

/* time_words of ``args``, of at most ``text_cap`` characters of the text (see article_record). */
static PyObject *time_words_of(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t text_cap) {
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "time_words takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *title = args[0], *text = args[1];
    if (!PyUnicode_Check(title) || !PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "time_words: title and text must be str");
        return NULL;
    }
    Py_ssize_t chars = PyLong_AsSsize_t(args[2]);
    if (chars == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (chars < 0) {
        PyErr_SetString(PyExc_ValueError, "time_words: a negative length");
        return NULL;
    }
    if (featurize_ready() < 0) {
        return NULL;
    }
    /* the top, (title + "\n" + text)[:chars], lower-cased or stood in byte by byte */
    Py_ssize_t title_n = PyUnicode_GET_LENGTH(title), text_n = PyUnicode_GET_LENGTH(text);
    text_n = text_n < text_cap ? text_n : text_cap;
    Py_ssize_t n = title_n + 1 + text_n < chars ? title_n + 1 + text_n : chars;
    unsigned char stack[2048];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    /* (each of the two read as it is stored: an ASCII one eight bytes at a time) */
    Py_ssize_t title_part = title_n < n ? title_n : n;
    int status = top_chars(low, title, title_part);
    if (status == 0 && title_part < n) {
        low[title_part] = '\n';
        status = top_chars(low + title_part + 1, text, n - title_part - 1);
    }
    if (status < 0) {
        free_scratch(low, stack);
        Py_RETURN_NONE;
    }
    PyObject *weekdays = NULL, *months = NULL, *out = NULL;
    if (find_time_words(low, n, &weekdays, &months) == 0) {
        if (weekdays == NULL && months == NULL) {
            out = no_time_words;
            Py_INCREF(out);
        } else {
            out = PyTuple_Pack(2, weekdays ? weekdays : no_names, months ? months : no_names);
        }
    }
    Py_XDECREF(weekdays);
    Py_XDECREF(months);
    free_scratch(low, stack);
    return out;
}

static PyObject *time_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return time_words_of(args, nargs, PY_SSIZE_T_MAX);
}

PyDoc_STRVAR(years_in_doc,
"years_in(text) -> list\n\n"
"[int(y) for y in timeinfo._YEAR.findall(text)]: the four-digit years 1950-2049 of a text,\n"
"in order, that no digit, currency sign, '.' or ',' comes before and no digit or '%' after.");

/* The first p >= at where ``text`` has a "1" or a "2" (where a year may start), or n.
 * ``next``: the next "1" and "2" found in one-byte text so far (-1 before), each searched
 * for (memchr) only once passed, so that the text is read once for each. */
static inline Py_ssize_t year_start(int kind, const void *data, Py_ssize_t n, Py_ssize_t at, Py_ssize_t *next) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = data;
        for (int d = 0; d < 2; d++) {
            if (next[d] < at) {
                const Py_UCS1 *found = at < n ? memchr(s + at, '1' + d, (size_t)(n - at)) : NULL;
                next[d] = found == NULL ? n : found - s;
            }
        }
        return next[0] < next[1] ? next[0] : next[1];
    }
    while (at < n && PyUnicode_READ(kind, data, at) != '1' && PyUnicode_READ(kind, data, at) != '2') {
        at++;
    }
    return at;
}

/* Years as C longs, in the order found (no int object each: most are only compared and
 * written into a "y:YYYY" key). */
typedef struct {
    long *items;
    Py_ssize_t used, room;
    long stack[16];
} Years;

static void years_init(Years *y) {
    y->items = y->stack;
    y->used = 0;
    y->room = sizeof y->stack / sizeof *y->stack;
}

static void years_free(Years *y) {
    if (y->items != y->stack) {
        PyMem_Free(y->items);
    }
}

/* Appends ``year``: 0, or -1 with MemoryError set. */
static int years_add(Years *y, long year) {
    if (y->used == y->room) {
        long *grown = PyMem_Malloc(2 * (size_t)y->room * sizeof(long));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(grown, y->items, (size_t)y->used * sizeof(long));
        years_free(y);
        y->items = grown;
        y->room *= 2;
    }
    y->items[y->used++] = year;
    return 0;
}

/* Appends the years of ``text`` (a str) that years_in gives to ``years``: 0, or -1 with
 * an exception set. */
static int append_years(Years *years, PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t next[2] = {-1, -1};
    for (Py_ssize_t p = year_start(kind, data, n, 0, next); p + 4 <= n; p = year_start(kind, data, n, p + 1, next)) {
        Py_UCS4 c0 = PyUnicode_READ(kind, data, p), c1 = PyUnicode_READ(kind, data, p + 1);
        Py_UCS4 c2 = PyUnicode_READ(kind, data, p + 2);
        /* (?:19[5-9]|20[0-4])\d, where \d is any decimal digit */
        int century = c0 == '1' && c1 == '9' && c2 >= '5' && c2 <= '9' ? 1900
                      : c0 == '2' && c1 == '0' && c2 >= '0' && c2 <= '4' ? 2000 : 0;
        int last = century ? Py_UNICODE_TODECIMAL(PyUnicode_READ(kind, data, p + 3)) : -1;
        if (last < 0) {
            continue;
        }
        if (p > 0) {
            Py_UCS4 before = PyUnicode_READ(kind, data, p - 1);
            if (Py_UNICODE_ISDECIMAL(before) || before == '$' || before == 0xA3 || before == 0x20AC
                || before == '.' || before == ',') {
                continue;
            }
        }
        if (p + 4 < n) {
            Py_UCS4 after = PyUnicode_READ(kind, data, p + 4);
            if (Py_UNICODE_ISDECIMAL(after) || after == '%') {
                continue;
            }
        }
        if (years_add(years, century + 10 * (long)(c2 - '0') + last) < 0) {
            return -1;
        }
        p += 3;
    }
    return 0;
}

/* The years as a new list of ints, NULL with an exception set. */
static PyObject *years_list(const Years *years) {
    PyObject *out = PyList_New(years->used);
    for (Py_ssize_t k = 0; out != NULL && k < years->used; k++) {
        PyObject *year = PyLong_FromLong(years->items[k]);
        if (year == NULL) {
            Py_CLEAR(out);
        } else {
            PyList_SET_ITEM(out, k, year);
        }
    }
    return out;
}

static PyObject *years_in(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "years_in: a str is needed");
        return NULL;
    }
    Years years;
    years_init(&years);
    PyObject *out = append_years(&years, text) < 0 ? NULL : years_list(&years);
    years_free(&years);
    return out;
}

/* bag[f"y:{year}"] = 1.0 (str() writes an int as %ld does): 0, or -1 with an exception set. */
static int year_into(PyObject *bag, long value) {
    /* the digits written backwards from the end of ``key``, the sign and "y:" before them */
    unsigned char key[32], *at = key + sizeof key;
    unsigned long rest = value < 0 ? 0UL - (unsigned long)value : (unsigned long)value;
    do {
        *--at = (unsigned char)('0' + rest % 10);
        rest /= 10;
    } while (rest > 0);
    if (value < 0) {
        *--at = '-';
    }
    *--at = ':';
    *--at = 'y';
    Py_ssize_t n = key + sizeof key - at;
    PyObject *term = ascii_term(at, n, fnv1a(at, n));
    int status = term == NULL ? -1 : PyDict_SetItem(bag, term, one_float);
    Py_XDECREF(term);
    return status;
}

/* An int of year_features' input as a C long into ``*year``: 0, or -1 with an exception
 * set (OverflowError for one past a long, as year_into's key would be). */
static int year_value(PyObject *obj, long *year) {
    *year = PyLong_AsLong(obj);
    return *year == -1 && PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(year_features_doc,
"year_features(title, body, known, year) -> (int | None, dict)\n\n"
"An article's year and year bag (storyline.cluster.features.year_features).");

/* year_features of ``args``: the (year, bag) tuple, or where ``into`` is not NULL the two new
 * references in it and Py_None (new) back. NULL with an exception set. */
static PyObject *year_features_into(PyObject *const *args, Py_ssize_t nargs, PyObject **into) {
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "year_features takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *year = args[3];
    if (!PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1]) || (year != Py_None && !PyLong_CheckExact(year))) {
        PyErr_SetString(PyExc_TypeError, "year_features: a title and body (str) and a year (int or None) are needed");
        return NULL;
    }
    Years years;
    years_init(&years);
    PyObject *known = NULL, *listed = NULL, *seen = NULL, *bag = NULL, *out = NULL, *latest = NULL;
    PyObject *iter = NULL, *item;
    long value;
    if (featurize_ready() < 0 || append_years(&years, args[0]) < 0 || append_years(&years, args[1]) < 0) {
        goto done;
    }
    known = PySequence_Fast(args[2], "year_features: the known years must be a sequence");
    if (known == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(known); k++) {
        item = PySequence_Fast_GET_ITEM(known, k);
        if (!PyLong_CheckExact(item)) {
            PyErr_SetString(PyExc_TypeError, "year_features: known years must be ints");
            goto done;
        }
        if (year_value(item, &value) < 0 || years_add(&years, value) < 0) {
            goto done;
        }
    }
    if (year != Py_None && (year_value(year, &value) < 0 || years_add(&years, value) < 0)) {
        goto done;
    }
    /* the given year, else the highest mentioned (max) */
    if (year != Py_None) {
        latest = Py_NewRef(year);
    } else if (years.used == 0) {
        latest = Py_NewRef(Py_None);
    } else {
        long best = years.items[0];
        for (Py_ssize_t k = 1; k < years.used; k++) {
            best = years.items[k] > best ? years.items[k] : best;
        }
        if ((latest = PyLong_FromLong(best)) == NULL) {
            goto done;
        }
    }
    /* "y:YYYY" in the order of a set of the years made in this order, as the reference's
     * (most articles have one year, mentioned or not: a set of it is that year alone) */
    int one = 1;
    for (Py_ssize_t k = 1; one && k < years.used; k++) {
        one = years.items[k] == years.items[0];
    }
    if (one) {
        bag = PyDict_New();
        if (bag == NULL || (years.used > 0 && year_into(bag, years.items[0]) < 0)) {
            goto done;
        }
        goto made;
    }
    listed = years_list(&years);
    seen = listed == NULL ? NULL : PySet_New(listed);
    bag = seen == NULL ? NULL : _PyDict_NewPresized(PySet_GET_SIZE(seen));
    if (bag == NULL) {
        goto done;
    }
    iter = PyObject_GetIter(seen);
    while (iter != NULL && (item = PyIter_Next(iter)) != NULL) {
        int status = year_value(item, &value) < 0 ? -1 : year_into(bag, value);
        Py_DECREF(item);
        if (status < 0) {
            goto done;
        }
    }
    if (iter == NULL || PyErr_Occurred()) {
        goto done;
    }
made:
    if (into != NULL) {
        into[0] = latest;
        into[1] = bag;
        latest = bag = NULL;
        out = Py_NewRef(Py_None);
    } else {
        out = PyTuple_Pack(2, latest, bag);
    }
done:
    years_free(&years);
    Py_XDECREF(known);
    Py_XDECREF(listed);
    Py_XDECREF(seen);
    Py_XDECREF(bag);
    Py_XDECREF(latest);
    Py_XDECREF(iter);
    return out;
}

static PyObject *year_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return year_features_into(args, nargs, NULL);
}

/* Asks for the objects of a tuple or list at once (and for the bytes before each, where
 * CPython keeps the pointer to an instance's dict), before they are read one by one: the
 * waits for them overlap instead of adding up. */
static void prefetch_items(PyObject *seq) {
    if (PyTuple_Check(seq) || PyList_Check(seq)) {
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
            PREFETCH((const char *)PySequence_Fast_GET_ITEM(seq, i) - 32);
            PREFETCH(PySequence_Fast_GET_ITEM(seq, i));
        }
    }
}

/* canonical.lower().strip() (new reference, NULL with an exception set): in C for ASCII. */
static PyObject *lower_stripped(PyObject *canonical) {
    if (!PyUnicode_Check(canonical)) {
        PyErr_SetString(PyExc_TypeError, "entity_features: an entity's canonical name must be a str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(canonical)) {
        PyObject *low = PyObject_CallMethodObjArgs(canonical, str_lower, NULL);
        if (low == NULL) {
            return NULL;
        }
        PyObject *out = PyObject_CallMethodObjArgs(low, str_strip, NULL);
        Py_DECREF(low);
        return out;
    }
    const unsigned char *s = PyUnicode_1BYTE_DATA(canonical);
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(canonical);
    while (start < end && Py_UNICODE_ISSPACE(s[start])) {
        start++;
    }
    while (end > start && Py_UNICODE_ISSPACE(s[end - 1])) {
        end--;
    }
    PyObject *out = PyUnicode_New(end - start, 127);
    if (out != NULL) {
        Py_UCS1 *to = PyUnicode_1BYTE_DATA(out);
        for (Py_ssize_t i = start; i < end; i++) {
            to[i - start] = (s[i] >= 'A' && s[i] <= 'Z') ? (Py_UCS1)(s[i] | 32) : s[i];
        }
    }
    return out;
}

/* features._number_key(text): the first number of ``text`` (\d+(?:[.,]\d+)*) without its
 * commas where that is two characters or more or has a ".", else None (new references;
 * NULL with an exception set). */
static PyObject *number_key(PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "entity_features: an entity's text must be a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    while (i < n && !Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i))) {
        i++;
    }
    if (i == n) {
        Py_RETURN_NONE;
    }
    Py_ssize_t j = i, commas = 0;
    int dot = 0;
    for (;;) {
        while (j < n && Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        Py_UCS4 mark = j + 1 < n ? PyUnicode_READ(kind, data, j) : 0;
        if ((mark != '.' && mark != ',') || !Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, j + 1))) {
            break;
        }
        commas += mark == ',';
        dot |= mark == '.';
        j++;
    }
    if (j - i - commas < 2 && !dot) {
        Py_RETURN_NONE;
    }
    if (commas == 0) {
        return PyUnicode_Substring(text, i, j);
    }
    Py_UCS4 *digits = PyMem_Malloc((size_t)(j - i) * sizeof(Py_UCS4));
    if (digits == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t k = i; k < j; k++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if (c != ',') {
            digits[m++] = c;
        }
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, digits, m);
    PyMem_Free(digits);
    return out;
}

/* A bag's keys in its order for index_keys, borrowed from the bag (which holds them, and
 * which no Python code sees before the record is made): no walk of the dict for them.
 * ``n`` -1 where they were not kept (more than fit, or a bag not made by a loop here). */
#define BAG_KEYS 64
typedef struct {
    PyObject *key[BAG_KEYS];
    Py_ssize_t n;
} BagKeys;

/* The names an article's entities give ("kind:name"), in first-seen order, and their
 * mentions: entity_features' counts without a dict or an int per name. */
typedef struct {
    PyObject *key;
    Py_ssize_t count;
} NameCount;

typedef struct {
    NameCount *items;
    Py_ssize_t used, room;
    NameCount stack[32];
} NameCounts;

static void name_counts_init(NameCounts *c) {
    c->items = c->stack;
    c->used = 0;
    c->room = sizeof c->stack / sizeof *c->stack;
}

static void name_counts_free(NameCounts *c) {
    for (Py_ssize_t k = 0; k < c->used; k++) {
        Py_DECREF(c->items[k].key);
    }
    if (c->items != c->stack) {
        PyMem_Free(c->items);
    }
}

/* One more mention of ``key`` (a str; the reference is taken, NULL: failed already): 0, or
 * -1 with an exception set. The same name is mostly the same str (ASCII ones come from
 * ascii_term), else one of the same characters. */
static int name_counts_add(NameCounts *c, PyObject *key) {
    if (key == NULL) {
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(key);
    int kind = PyUnicode_KIND(key);
    for (Py_ssize_t k = 0; k < c->used; k++) {
        PyObject *other = c->items[k].key;
        /* (equal strs have one kind: the narrowest that holds them) */
        /* (names of a kind share their first bytes: the last one is compared before the rest) */
        if (other == key || (PyUnicode_GET_LENGTH(other) == n && PyUnicode_KIND(other) == kind
                             && (n == 0 || ((const char *)PyUnicode_DATA(other))[n * kind - 1]
                                               == ((const char *)PyUnicode_DATA(key))[n * kind - 1])
                             && memcmp(PyUnicode_DATA(other), PyUnicode_DATA(key), (size_t)(n * kind)) == 0)) {
            c->items[k].count++;
            Py_DECREF(key);
            return 0;
        }
    }
    if (c->used == c->room) {
        NameCount *grown = PyMem_Malloc(2 * (size_t)c->room * sizeof(NameCount));
        if (grown == NULL) {
            Py_DECREF(key);
            PyErr_NoMemory();
            return -1;
        }
        memcpy(grown, c->items, (size_t)c->used * sizeof(NameCount));
        if (c->items != c->stack) {
            PyMem_Free(c->items);
        }
        c->items = grown;
        c->room *= 2;
    }
    c->items[c->used++] = (NameCount){key, 1};
    return 0;
}

/* The names with the ``most`` highest counts, highest first, ties in first-seen order
 * (sorted(counts, key=counts.__getitem__, reverse=True)[:most]) as a new tuple; NULL with
 * an exception set. */
static PyObject *most_counted(const NameCounts *c, Py_ssize_t most) {
    Py_ssize_t n = c->used;
    unsigned char taken_stack[64];
    unsigned char *taken = n <= 64 ? taken_stack : PyMem_Malloc((size_t)n);
    PyObject *out = taken == NULL ? PyErr_NoMemory() : PyTuple_New(most < n ? most : n);
    if (out != NULL) {
        memset(taken, 0, (size_t)n);
    }
    for (Py_ssize_t r = 0; out != NULL && r < PyTuple_GET_SIZE(out); r++) {
        /* the first of the highest counts not taken yet */
        Py_ssize_t best = -1;
        for (Py_ssize_t k = 0; k < n; k++) {
            if (!taken[k] && (best < 0 || c->items[k].count > c->items[best].count)) {
                best = k;
            }
        }
        taken[best] = 1;
        PyTuple_SET_ITEM(out, r, Py_NewRef(c->items[best].key));
    }
    if (taken != taken_stack) {
        PyMem_Free(taken);
    }
    return out;
}

/* Each byte with A-Z lower-cased, the rest as they are (made on first use). */
static unsigned char lower_byte[256];

/* The mentions of one entity that names someone or something counted into ``counts`` (its
 * "kind:name", and for a person with a full name the surname alone; ``person``: the kind
 * is "p:"): 0, or -1 with an exception set. An ASCII name of an ASCII kind is lower-cased
 * and stripped into a buffer, and its keys made by ascii_term (no str made per mention). */
static int count_entity(NameCounts *counts, PyObject *prefix, int person, PyObject *canonical) {
    if (lower_byte['A'] != 'a') {
        for (int c = 0; c < 256; c++) {
            lower_byte[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c | 32 : c);
        }
    }
    if (!PyUnicode_Check(canonical)) {
        PyErr_SetString(PyExc_TypeError, "entity_features: an entity's canonical name must be a str");
        return -1;
    }
    if (PyUnicode_CheckExact(canonical) && PyUnicode_IS_ASCII(canonical) && PyUnicode_CheckExact(prefix)
        && PyUnicode_IS_ASCII(prefix)) {
        const unsigned char *s = PyUnicode_1BYTE_DATA(canonical);
        Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(canonical), p = PyUnicode_GET_LENGTH(prefix);
        while (start < end && Py_UNICODE_ISSPACE(s[start])) {
            start++;
        }
        while (end > start && Py_UNICODE_ISSPACE(s[end - 1])) {
            end--;
        }
        if (start == end) {
            return 0;
        }
        unsigned char stack[256];
        unsigned char *key = scratch(stack, sizeof stack, p + end - start);
        if (key == NULL) {
            return -1;
        }
        /* the key lower-cased and hashed (fnv1a) as it is written, the kind's hash kept for
         * the surname's key */
        const unsigned char *kind = PyUnicode_1BYTE_DATA(prefix);
        uint64_t h = FNV_OFFSET;
        for (Py_ssize_t i = 0; i < p; i++) {
            key[i] = kind[i];
            h = (h ^ kind[i]) * FNV_PRIME;
        }
        uint64_t kind_hash = h;
        Py_ssize_t n = p, space = -1;
        for (Py_ssize_t i = start; i < end; i++, n++) {
            unsigned char c = lower_byte[s[i]];
            key[n] = c;
            h = (h ^ c) * FNV_PRIME;
        }
        int status = name_counts_add(counts, ascii_term(key, n, h));
        /* a person's last space, looked for from the end (a surname is short) */
        for (Py_ssize_t i = n - 1; person && i >= p && space < 0; i--) {
            space = key[i] == ' ' ? i : -1;
        }
        if (status == 0 && person && space >= 0) {
            /* "p:" (the kind) and the surname, moved up to it: the whole name is counted */
            h = kind_hash;
            for (Py_ssize_t i = space + 1; i < n; i++) {
                key[p + i - space - 1] = key[i];
                h = (h ^ key[i]) * FNV_PRIME;
            }
            n = p + n - space - 1;
            status = name_counts_add(counts, ascii_term(key, n, h));
        }
        free_scratch(key, stack);
        return status;
    }
    PyObject *name = lower_stripped(canonical);
    if (name == NULL) {
        return -1;
    }
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "entity_features: lower() or strip() gave no str");
        Py_DECREF(name);
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(name);
    int status = 0;
    if (n > 0) {
        status = name_counts_add(counts, PyUnicode_Concat(prefix, name));
        Py_ssize_t space = status == 0 && person ? PyUnicode_FindChar(name, ' ', 0, n, -1) : -1;
        if (space == -2) {
            status = -1;
        } else if (space >= 0) {
            PyObject *surname = PyUnicode_Substring(name, space + 1, n);
            status = name_counts_add(counts, surname == NULL ? NULL : PyUnicode_Concat(prefix, surname));
            Py_XDECREF(surname);
        }
    }
    Py_DECREF(name);
    return status;
}

/* entity_features' labels by their bytes: each ASCII label of the prefixes dict (its
 * "kind:") and of the numeric set, read from both once while the dict keeps its version
 * (held, so that no other dict takes its address) and the set is the same frozenset. An
 * entity's label (an exact ASCII str, as labels are) is then found by a compare of a few
 * bytes, without hashing a label str of its own (each entity has one) and comparing it to
 * a key's. Any other label, or tables with a key or member that is not an exact str (one
 * could equal a label otherwise), take the dict and set. */
#define LABELS_MAX 32
#define LABEL_BYTES 24
typedef struct {
    Py_ssize_t len;
    unsigned char bytes[LABEL_BYTES];
    PyObject *prefix; /* held; NULL: a numeric label (in the set, not the dict) */
    unsigned char next; /* 1 + the next label of its first byte, 0: none */
} KnownLabel;

static struct {
    PyObject *prefixes, *numeric; /* held; prefixes NULL: no table */
    uint64_t version;
    Py_ssize_t count;
    KnownLabel label[LABELS_MAX];
    /* by a label's first byte, 1 + the first label of it (0: none): a label is compared only
     * with the few of its first letter, and one of no kind (DATE, TIME) with none */
    unsigned char first[256];
} known_labels;

/* Empties the table, and only then lets go of what it held (a release can run Python code
 * that makes the table anew). */
static void known_labels_clear(void) {
    KnownLabel held[LABELS_MAX];
    Py_ssize_t count = known_labels.count;
    PyObject *prefixes = known_labels.prefixes, *numeric = known_labels.numeric;
    memcpy(held, known_labels.label, (size_t)count * sizeof *held);
    known_labels.count = 0;
    memset(known_labels.first, 0, sizeof known_labels.first);
    known_labels.prefixes = known_labels.numeric = NULL;
    known_labels.version = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_XDECREF(held[k].prefix);
    }
    Py_XDECREF(prefixes);
    Py_XDECREF(numeric);
}

/* Adds an ASCII label (``prefix`` NULL: a numeric one) unless it is there already (the dict's
 * prefix comes first, as entity_features asks the dict first): 1, or 0 where it cannot be
 * kept (too long, or too many). */
static int known_labels_add(PyObject *label, PyObject *prefix) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(label);
    if (n > LABEL_BYTES) {
        return 0;
    }
    for (Py_ssize_t k = 0; k < known_labels.count; k++) {
        const KnownLabel *known = &known_labels.label[k];
        if (known->len == n && memcmp(known->bytes, PyUnicode_1BYTE_DATA(label), (size_t)n) == 0) {
            return 1;
        }
    }
    if (known_labels.count == LABELS_MAX) {
        return 0;
    }
    Py_ssize_t index = known_labels.count++;
    KnownLabel *at = &known_labels.label[index];
    at->len = n;
    memcpy(at->bytes, PyUnicode_1BYTE_DATA(label), (size_t)n);
    at->prefix = Py_XNewRef(prefix);
    at->next = 0;
    /* last in its first byte's list (an empty label's first byte: the str's closing NUL) */
    unsigned char *link = &known_labels.first[PyUnicode_1BYTE_DATA(label)[0]];
    while (*link != 0) {
        link = &known_labels.label[*link - 1].next;
    }
    *link = (unsigned char)(index + 1);
    return 1;
}

/* Whether the table holds for ``prefixes`` and ``numeric`` (made anew where it can be): 1 or 0. */
static int known_labels_for(PyObject *prefixes, PyObject *numeric) {
    uint64_t version = dict_version(prefixes);
    if (version == 0 || !PyDict_CheckExact(prefixes) || !PyFrozenSet_CheckExact(numeric)) {
        return 0;
    }
    if (known_labels.prefixes == prefixes && known_labels.version == version && known_labels.numeric == numeric) {
        return 1;
    }
    known_labels_clear();
    if (known_labels.prefixes != NULL || known_labels.count != 0) {
        return 0; /* (a release above made a table for other ones: the dict is asked this time) */
    }
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    Py_hash_t hash;
    while (PyDict_Next(prefixes, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key) || (PyUnicode_IS_ASCII(key) && !known_labels_add(key, value))) {
            known_labels_clear();
            return 0;
        }
    }
    pos = 0;
    while (_PySet_NextEntry(numeric, &pos, &key, &hash)) {
        if (!PyUnicode_CheckExact(key) || (PyUnicode_IS_ASCII(key) && !known_labels_add(key, NULL))) {
            known_labels_clear();
            return 0;
        }
    }
    known_labels.prefixes = Py_NewRef(prefixes);
    known_labels.numeric = Py_NewRef(numeric);
    known_labels.version = version;
    return 1;
}

/* The table's answer for an exact ASCII ``label``: its prefix (borrowed), ``*numeric`` 0; or
 * NULL with ``*numeric`` 1 for a numeric label, 0 for a label of neither. */
static PyObject *known_label(PyObject *label, int *numeric) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(label);
    const unsigned char *bytes = PyUnicode_1BYTE_DATA(label);
    for (unsigned char k = known_labels.first[bytes[0]]; k != 0; k = known_labels.label[k - 1].next) {
        const KnownLabel *known = &known_labels.label[k - 1];
        if (known->len == n && same_bytes(known->bytes, bytes, n)) {
            *numeric = known->prefix == NULL;
            return known->prefix;
        }
    }
    *numeric = 0;
    return NULL;
}

PyDoc_STRVAR(entity_features_doc,
"entity_features(entities, prefixes, numeric, most) -> (dict, frozenset, tuple)\n\n"
"An article's entity bag, numbers and main names (storyline.cluster.features.entity_features).");

/* entity_features of ``args``: the (bag, numbers, main names) tuple, or where ``into`` is
 * not NULL the three new references in it and Py_None (new) back (no tuple made for
 * article_record); ``keys`` (NULL: none): the bag's keys kept for index_keys. NULL with an
 * exception set. */
static PyObject *entity_features_into(PyObject *const *args, Py_ssize_t nargs, PyObject **into, BagKeys *keys) {
    if (keys != NULL) {
        keys->n = -1;
    }
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "entity_features takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *prefixes = args[1], *numeric = args[2];
    if (!PyDict_Check(prefixes) || !PyAnySet_Check(numeric)) {
        PyErr_SetString(PyExc_TypeError, "entity_features: the prefixes must be a dict, the numeric labels a set");
        return NULL;
    }
    Py_ssize_t most = PyLong_AsSsize_t(args[3]);
    if (most == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (most < 0) {
        PyErr_SetString(PyExc_ValueError, "entity_features: a negative number of main names");
        return NULL;
    }
    if (featurize_ready() < 0) {
        return NULL;
    }
    PyObject *entities = PySequence_Fast(args[0], "entity_features: the entities must be a sequence");
    if (entities == NULL) {
        return NULL;
    }
    NameCounts counts;
    name_counts_init(&counts);
    PyObject *numbers = NULL, *out = NULL;
    prefetch_items(entities);
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(entities); i++) {
        /* held while Python code runs (attributes, lower() of a wide name) */
        PyObject *ent = PySequence_Fast_GET_ITEM(entities, i);
        Py_INCREF(ent);
        PyObject *label = site_attr(&entity_label_site, ent, attr_label);
        if (label == NULL) {
            Py_DECREF(ent);
            goto done;
        }
        /* (the table asked for each entity: the Python code that reading one runs may change
         * the dict, or make the table for other ones) */
        int status = 0, numeric_label = -1; /* -1: not told by the table */
        PyObject *prefix = PyUnicode_CheckExact(label) && PyUnicode_IS_ASCII(label) && PyUnicode_GET_LENGTH(label) > 0
                           && known_labels_for(prefixes, numeric) ? known_label(label, &numeric_label)
                                                                  : PyDict_GetItemWithError(prefixes, label);
        if (prefix != NULL) {
            Py_INCREF(prefix);
            /* prefix == "p:", an ASCII one told from its bytes (no call) */
            int person = PyUnicode_CheckExact(prefix)
                         && (PyUnicode_IS_ASCII(prefix) ? PyUnicode_GET_LENGTH(prefix) == 2
                                                          && PyUnicode_1BYTE_DATA(prefix)[0] == 'p'
                                                          && PyUnicode_1BYTE_DATA(prefix)[1] == ':'
                                                        : PyUnicode_CompareWithASCIIString(prefix, "p:") == 0);
            PyObject *canonical = site_attr(&entity_canonical_site, ent, attr_canonical);
            status = canonical == NULL ? -1 : count_entity(&counts, prefix, person, canonical);
            Py_XDECREF(canonical);
            Py_DECREF(prefix);
        } else if (PyErr_Occurred()) {
            status = -1;
        } else {
            status = numeric_label >= 0 ? numeric_label : PySet_Contains(numeric, label);
            if (status == 1) {
                PyObject *text = site_attr(&entity_text_site, ent, attr_text);
                PyObject *key = text == NULL ? NULL : number_key(text);
                if (numbers == NULL && key != NULL && key != Py_None) {
                    numbers = PySet_New(NULL);
                }
                status = key == NULL || (key != Py_None && (numbers == NULL || PySet_Add(numbers, key) < 0)) ? -1 : 0;
                Py_XDECREF(text);
                Py_XDECREF(key);
            }
        }
        Py_DECREF(label);
        Py_DECREF(ent);
        if (status < 0) {
            goto done;
        }
    }
    /* log_weights of the counts, in first-seen order */
    PyObject *weights = _PyDict_NewPresized(counts.used); /* sized once: no resize while it fills */
    for (Py_ssize_t k = 0; weights != NULL && k < counts.used; k++) {
        PyObject *weight = count_weight(counts.items[k].count);
        if (weight == NULL || PyDict_SetItem(weights, counts.items[k].key, weight) < 0) {
            Py_CLEAR(weights);
        } else if (keys != NULL && k < BAG_KEYS) {
            keys->key[k] = counts.items[k].key;
        }
        Py_XDECREF(weight);
    }
    if (keys != NULL && weights != NULL && counts.used <= BAG_KEYS && PyDict_GET_SIZE(weights) == counts.used) {
        keys->n = counts.used;
    }
    PyObject *found = numbers == NULL ? no_names : PyFrozenSet_New(numbers);
    Py_XINCREF(numbers == NULL ? found : NULL);
    PyObject *main_names = most_counted(&counts, most);
    if (weights != NULL && found != NULL && main_names != NULL) {
        if (into != NULL) {
            into[0] = weights;
            into[1] = found;
            into[2] = main_names;
            weights = found = main_names = NULL;
            out = Py_NewRef(Py_None);
        } else {
            out = PyTuple_Pack(3, weights, found, main_names);
        }
    }
    Py_XDECREF(weights);
    Py_XDECREF(found);
    Py_XDECREF(main_names);
done:
    Py_DECREF(entities);
    name_counts_free(&counts);
    Py_XDECREF(numbers);
    return out;
}

static PyObject *entity_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return entity_features_into(args, nargs, NULL, NULL);
}

/* Sorts order[0:n] (indices) by count[index], highest first, equal counts in their order
 * there (stable, as sorted(..., reverse=True) keeps ties); ``spare``: n indices. */
static void sort_by_count(Py_ssize_t *order, Py_ssize_t *spare, const Py_ssize_t *count, Py_ssize_t n) {
    /* counts of words in a text are small: a counting sort (one pass to place each index,
     * in order within its count: as stable) where they all are, else the merge sort */
    enum { BUCKETS = 256 };
    Py_ssize_t top = 0, low = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t c = count[order[k]];
        top = c > top ? c : top;
        low = c < low ? c : low;
    }
    if (low >= 0 && top < BUCKETS) {
        Py_ssize_t next[BUCKETS]; /* by top - count: where the next index of a count goes */
        memset(next, 0, (size_t)(top + 1) * sizeof *next); /* (only those read) */
        for (Py_ssize_t k = 0; k < n; k++) {
            next[top - count[order[k]]]++;
        }
        for (Py_ssize_t b = 0, at = 0; b <= top; b++) {
            Py_ssize_t size = next[b];
            next[b] = at;
            at += size;
        }
        for (Py_ssize_t k = 0; k < n; k++) {
            spare[next[top - count[order[k]]]++] = order[k];
        }
        if (n > 0) {
            memcpy(order, spare, (size_t)n * sizeof(Py_ssize_t));
        }
        return;
    }
    for (Py_ssize_t width = 1; width < n; width *= 2) {
        for (Py_ssize_t lo = 0; lo < n; lo += 2 * width) {
            Py_ssize_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            Py_ssize_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                spare[k++] = count[order[b]] > count[order[a]] ? order[b++] : order[a++];
            }
            while (a < mid) {
                spare[k++] = order[a++];
            }
            while (b < hi) {
                spare[k++] = order[b++];
            }
        }
        memcpy(order, spare, (size_t)n * sizeof(Py_ssize_t));
    }
}

/* features.body_bag's bag and index terms of a dict of positive int counts (its
 * most_common and log_weights) as a new tuple, NULL with an exception set. */
static PyObject *rank_counts(PyObject *counts, Py_ssize_t most, Py_ssize_t top) {
    Py_ssize_t n = PyDict_GET_SIZE(counts), size = n > 0 ? n : 1, held = 0;
    PyObject **keys = PyMem_Malloc((size_t)size * sizeof(PyObject *));
    Py_ssize_t *count = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    Py_ssize_t *order = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    Py_ssize_t *spare = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    PyObject *bag = NULL, *index_terms = NULL, *out = NULL;
    if (keys == NULL || count == NULL || order == NULL || spare == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the keys, held while the dicts below hash and compare them */
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (held < n && PyDict_Next(counts, &pos, &key, &value)) {
        count[held] = PyLong_Check(value) ? PyLong_AsSsize_t(value) : 0;
        if (count[held] == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (count[held] <= 0) {
            PyErr_SetString(PyExc_ValueError, "body_bag: counts must be positive ints");
            goto done;
        }
        Py_INCREF(key);
        keys[held] = key;
        order[held] = held;
        held++;
    }
    sort_by_count(order, spare, count, held);
    /* every term where there are at most ``most`` (in first-seen order), else the ``most``
     * most counted (most_common's order); the first ``top`` of those most counted for the index */
    Py_ssize_t kept = held > most ? most : held, listed = kept > top ? top : kept;
    bag = _PyDict_NewPresized(kept);
    index_terms = PyList_New(listed);
    if (bag == NULL || index_terms == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < kept; k++) {
        Py_ssize_t at = held > most ? order[k] : k;
        PyObject *weight = count_weight(count[at]);
        if (weight == NULL || PyDict_SetItem(bag, keys[at], weight) < 0) {
            Py_XDECREF(weight);
            goto done;
        }
        Py_DECREF(weight);
    }
    for (Py_ssize_t k = 0; k < listed; k++) {
        Py_INCREF(keys[order[k]]);
        PyList_SET_ITEM(index_terms, k, keys[order[k]]);
    }
    out = PyTuple_Pack(2, bag, index_terms);
done:
    for (Py_ssize_t k = 0; k < held; k++) {
        Py_DECREF(keys[k]);
    }
    Py_XDECREF(bag);
    Py_XDECREF(index_terms);
    PyMem_Free(keys);
    PyMem_Free(count);
    PyMem_Free(order);
    PyMem_Free(spare);
    return out;
}

/* log_weights(terms(text, stop, stem_chars)) as a new dict; Py_None (new) where ``text``
 * has Chinese or Japanese characters; NULL with an exception set. */
static PyObject *term_weights(PyObject *text, PyObject *stop, Py_ssize_t stem_chars) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    unsigned char stack[512], *low = NULL, *buffer = NULL;
    StemCounts counts;
    int found;
    if (!PyUnicode_IS_ASCII(text)) {
        found = wide_stem_counts(text, stop, stem_chars, &counts, &buffer);
        if (found == 2) {
            stem_counts_free(&counts);
            PyMem_Free(buffer);
            PyObject *dict = wide_terms(text, stop, stem_chars);
            if (dict == NULL || dict == Py_None) {
                return dict;
            }
            PyObject *out = log_weights(dict);
            Py_DECREF(dict);
            return out;
        }
    } else {
        const ByteSet *stop_bytes;
        if (stop_byte_set(stop, &stop_bytes) < 0) {
            return NULL;
        }
        low = scratch(stack, sizeof stack, n);
        if (low == NULL) {
            return NULL;
        }
        found = stem_counts_init(&counts, low, n) == 0
                && count_ascii_terms(PyUnicode_1BYTE_DATA(text), n, &counts, stop, stop_bytes, stem_chars) == 0 ? 1 : -1;
    }
    PyObject *out = found == 1 ? _PyDict_NewPresized(counts.entries) : found == 0 ? Py_NewRef(Py_None) : NULL;
    if (found == 1) {
        prefetch_terms(counts.entry, NULL, counts.entries);
    }
    for (Py_ssize_t k = 0; found == 1 && out != NULL && k < counts.entries; k++) {
        PyObject *stem = counted_stem(&counts, k);
        PyObject *weight = stem == NULL ? NULL : count_weight(counts.entry_count[k]);
        if (weight == NULL || PyDict_SetItem(out, stem, weight) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(stem);
        Py_XDECREF(weight);
    }
    stem_counts_free(&counts);
    if (low != NULL) {
        free_scratch(low, stack);
    }
    PyMem_Free(buffer);
    return out;
}

/* features.body_bag's ranking of the stems counted in ``c`` (rank_counts' order), a new
 * (bag, index terms) tuple: a str is made only for the stems kept. NULL with an exception set. */
static PyObject *rank_stems(const StemCounts *c, Py_ssize_t most, Py_ssize_t top) {
    Py_ssize_t n = c->entries, size = n > 0 ? n : 1;
    /* (a text's few hundred stems on the stack: no allocation) */
    enum { STACK_STEMS = 512 };
    Py_ssize_t order_stack[STACK_STEMS], spare_stack[STACK_STEMS];
    PyObject *made_stack[STACK_STEMS];
    int heap = size > STACK_STEMS;
    Py_ssize_t *order = heap ? PyMem_Malloc((size_t)size * sizeof(Py_ssize_t)) : order_stack;
    Py_ssize_t *spare = heap ? PyMem_Malloc((size_t)size * sizeof(Py_ssize_t)) : spare_stack;
    PyObject **made = heap ? PyMem_Calloc((size_t)size, sizeof(PyObject *)) : made_stack;
    if (!heap) {
        memset(made_stack, 0, (size_t)size * sizeof(PyObject *));
    }
    /* (sized once for the stems kept: no resize while it fills) */
    PyObject *bag = _PyDict_NewPresized(n > most ? most : n), *index_terms = NULL, *out = NULL;
    if (order == NULL || spare == NULL || made == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        order[k] = k;
    }
    sort_by_count(order, spare, c->entry_count, n);
    /* every stem where there are at most ``most`` (first-seen order), else the ``most`` most
     * counted; the first ``top`` of those most counted for the index (all of them kept) */
    Py_ssize_t kept = n > most ? most : n, listed = kept > top ? top : kept;
    prefetch_terms(c->entry, n > most ? order : NULL, kept);
    for (Py_ssize_t k = 0; bag != NULL && k < kept; k++) {
        Py_ssize_t at = n > most ? order[k] : k;
        made[at] = counted_stem(c, at);
        PyObject *weight = made[at] == NULL ? NULL : count_weight(c->entry_count[at]);
        if (weight == NULL || PyDict_SetItem(bag, made[at], weight) < 0) {
            Py_CLEAR(bag);
        }
        Py_XDECREF(weight);
    }
    index_terms = bag == NULL ? NULL : PyList_New(listed);
    if (index_terms == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < listed; k++) {
        Py_INCREF(made[order[k]]);
        PyList_SET_ITEM(index_terms, k, made[order[k]]);
    }
    out = PyTuple_Pack(2, bag, index_terms);
done:
    for (Py_ssize_t k = 0; made != NULL && k < n; k++) {
        Py_XDECREF(made[k]);
    }
    if (heap) {
        PyMem_Free(order);
        PyMem_Free(spare);
        PyMem_Free(made);
    }
    Py_XDECREF(bag);
    Py_XDECREF(index_terms);
    return out;
}

/* A count argument of at least 0: 0, or -1 with an exception set. */
static int count_argument(PyObject *arg, const char *name, Py_ssize_t *count) {
    *count = PyLong_AsSsize_t(arg);
    if (*count == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*count < 0) {
        PyErr_Format(PyExc_ValueError, "%s: a negative count", name);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(title_bag_doc,
"title_bag(title, stop, stem_chars, url, min_words) -> dict | None\n\n"
"A title's term weights, with ``url`` its slug's new terms (storyline.cluster.features.\n"
"title_bag); None where the title has Chinese or Japanese characters or the URL is not\n"
"printable ASCII (backslashes dropped) or its host has brackets.");

/* title_bag's bag (see there) as a new dict, Py_None (new), or NULL with an exception set.
 * An ASCII title's terms (or one read as ASCII: ascii_words_of) and its slug's are counted
 * in one counter, the slug's new stems after the title's (the reference's setdefault order),
 * at 1.0. ``keys`` (NULL: none): the bag's keys kept for index_keys. */
static PyObject *title_weights(PyObject *title, PyObject *stop, Py_ssize_t stem_chars, PyObject *url,
                               Py_ssize_t min_words, BagKeys *keys) {
    if (keys != NULL) {
        keys->n = -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(title), m = url == Py_None ? 0 : PyUnicode_GET_LENGTH(url);
    unsigned char stack[1024];
    unsigned char *low = scratch(stack, sizeof stack, n + m);
    if (low == NULL) {
        return NULL;
    }
    const unsigned char *s;
    int as_ascii = ascii_text(title, low, &s);
    if (as_ascii != 1) {
        free_scratch(low, stack);
        if (as_ascii == 0) {
            Py_RETURN_NONE;
        }
        PyObject *bag = term_weights(title, stop, stem_chars);
        if (bag == NULL || bag == Py_None || url == Py_None) {
            return bag;
        }
        PyObject *slug = slug_counts(url, stop, stem_chars, min_words);
        if (slug == NULL || slug == Py_None) {
            Py_DECREF(bag);
            return slug;
        }
        Py_ssize_t pos = 0;
        PyObject *term, *count;
        while (PyDict_Next(slug, &pos, &term, &count)) {
            if (PyDict_SetDefault(bag, term, one_float) == NULL) {
                Py_CLEAR(bag);
                break;
            }
        }
        Py_DECREF(slug);
        return bag;
    }
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        free_scratch(low, stack);
        return NULL;
    }
    StemCounts counts;
    PyObject *out = NULL;
    Py_ssize_t titled = 0;
    /* (aligned for the counter's arrays) */
    union {
        ByteKey key;
        unsigned char bytes[4096];
    } spare;
    int status = stem_counts_init_in(&counts, low, n + m, &spare, sizeof spare) < 0
                 || count_ascii_terms(s, n, &counts, stop, stop_bytes, stem_chars) < 0 ? -1 : 1;
    if (status > 0 && url != Py_None) {
        titled = counts.entries;
        status = count_slug_terms(url, &counts, n, stop, stop_bytes, stem_chars, min_words, 0);
    }
    if (status == 0) {
        out = Py_NewRef(Py_None);
    } else if (status > 0) {
        out = _PyDict_NewPresized(counts.entries); /* sized once: no resize while it fills */
    }
    if (out != NULL && out != Py_None) {
        prefetch_terms(counts.entry, NULL, counts.entries);
    }
    for (Py_ssize_t k = 0; out != NULL && out != Py_None && k < counts.entries; k++) {
        PyObject *stem = ascii_term(low + counts.entry[k].start, counts.entry[k].len, counts.entry[k].hash);
        PyObject *weight = stem == NULL ? NULL
                           : url != Py_None && k >= titled ? Py_NewRef(one_float) : count_weight(counts.entry_count[k]);
        if (weight == NULL || PyDict_SetItem(out, stem, weight) < 0) {
            Py_CLEAR(out);
        } else if (keys != NULL && k < BAG_KEYS) {
            keys->key[k] = stem;
        }
        Py_XDECREF(stem);
        Py_XDECREF(weight);
    }
    if (keys != NULL && out != NULL && out != Py_None && counts.entries <= BAG_KEYS
        && PyDict_GET_SIZE(out) == counts.entries) {
        keys->n = counts.entries;
    }
    stem_counts_free(&counts);
    free_scratch(low, stack);
    return out;
}

static PyObject *title_bag(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t stem_chars, min_words;
    if (text_stop_count(args, nargs, 5, "title_bag", 0, &stem_chars) < 0
        || count_argument(args[4], "title_bag", &min_words) < 0 || featurize_ready() < 0) {
        return NULL;
    }
    PyObject *url = args[3];
    if (url != Py_None && !PyUnicode_Check(url)) {
        PyErr_SetString(PyExc_TypeError, "title_bag: the URL must be a str or None");
        return NULL;
    }
    return title_weights(args[0], args[1], stem_chars, url, min_words, NULL);
}

PyDoc_STRVAR(body_bag_doc,
"body_bag(text, stop, stem_chars, most, top) -> (dict, list) | None\n\n"
"A body's term bag and index terms (storyline.cluster.features.body_bag); None where the\n"
"text has Chinese or Japanese characters.");

static PyObject *body_bag(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t stem_chars, most, top;
    if (text_stop_count(args, nargs, 5, "body_bag", 0, &stem_chars) < 0 || count_argument(args[3], "body_bag", &most) < 0
        || count_argument(args[4], "body_bag", &top) < 0 || featurize_ready() < 0) {
        return NULL;
    }
    PyObject *text = args[0], *stop = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    unsigned char stack[4096];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    const unsigned char *s;
    int as_ascii = ascii_text(text, low, &s);
    if (as_ascii != 1) {
        free_scratch(low, stack);
        if (as_ascii == 0) {
            Py_RETURN_NONE;
        }
        StemCounts wide;
        unsigned char *buffer;
        int found = wide_stem_counts(text, stop, stem_chars, &wide, &buffer);
        PyObject *out = found == 1 ? rank_stems(&wide, most, top) : found == 0 ? Py_NewRef(Py_None) : NULL;
        stem_counts_free(&wide);
        PyMem_Free(buffer);
        if (found != 2) {
            return out;
        }
        PyObject *counts = wide_terms(text, stop, stem_chars);
        if (counts == NULL || counts == Py_None) {
            return counts;
        }
        out = rank_counts(counts, most, top);
        Py_DECREF(counts);
        return out;
    }
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        free_scratch(low, stack);
        return NULL;
    }
    StemCounts counts;
    PyObject *out = NULL;
    if (stem_counts_init(&counts, low, n) == 0 && count_ascii_terms(s, n, &counts, stop, stop_bytes, stem_chars) == 0) {
        out = rank_stems(&counts, most, top);
    }
    stem_counts_free(&counts);
    free_scratch(low, stack);
    return out;
}

/* ---- featurize's records: ArticleFeatures (a frozen dataclass with slots) made and copied
 * without a Python call per field (references in storyline/cluster/features.py:
 * new_fields, with_field). ---- */

#define MAX_FIELDS 32
/* The class whose slot offsets are kept (held), and its offsets in __slots__ order. */
static PyTypeObject *fields_type = NULL;
static Py_ssize_t fields_count = 0, field_offsets[MAX_FIELDS];

/* The offsets of ``type``'s __slots__ (a tuple of names of its own object slots, at most
 * MAX_FIELDS) into ``offsets``, and their number into ``*count``: kept ones, else read (and
 * kept): 0, or -1 with TypeError set. The caller reads its own copy: Python code that runs
 * later (a collection, a finalizer) may keep another class's. */
static int read_field_offsets(PyTypeObject *type, Py_ssize_t *offsets, Py_ssize_t *count) {
    if (type == fields_type) {
        *count = fields_count;
        memcpy(offsets, field_offsets, (size_t)fields_count * sizeof(Py_ssize_t));
        return 0;
    }
    PyObject *slots = PyDict_GetItemString(type->tp_dict, "__slots__");
    if (slots == NULL || !PyTuple_Check(slots) || PyTuple_GET_SIZE(slots) > MAX_FIELDS) {
        PyErr_SetString(PyExc_TypeError, "a class with a tuple of __slots__ is needed");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(slots);
    Py_INCREF(slots); /* held: a name's __hash__ (Python code) may set the class's __slots__ anew */
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *member = PyDict_GetItem(type->tp_dict, PyTuple_GET_ITEM(slots, k));
        /* the class's own slot: a member descriptor of another class (set as an attribute
         * of this one) has an offset into that class's instances */
        if (member == NULL || !Py_IS_TYPE(member, &PyMemberDescr_Type)
            || ((PyDescrObject *)member)->d_type != type
            || ((PyMemberDescrObject *)member)->d_member->type != T_OBJECT_EX) {
            Py_DECREF(slots);
            PyErr_SetString(PyExc_TypeError, "each of __slots__ must be an object slot of the class");
            return -1;
        }
        offsets[k] = ((PyMemberDescrObject *)member)->d_member->offset;
    }
    Py_DECREF(slots);
    *count = n;
    /* object.__new__(type) once, for its checks (the reference calls it): a class whose
     * instances need more than object's (a dict subclass, say) is "not safe" to make so,
     * and an abstract class is not made at all */
    static PyObject *object_new = NULL;
    if (object_new == NULL && (object_new = PyObject_GetAttrString((PyObject *)&PyBaseObject_Type, "__new__")) == NULL) {
        return -1;
    }
    PyObject *probe = PyObject_CallOneArg(object_new, (PyObject *)type);
    if (probe == NULL) {
        return -1;
    }
    Py_DECREF(probe);
    PyTypeObject *old = fields_type;
    fields_type = (PyTypeObject *)Py_NewRef(type);
    fields_count = n;
    memcpy(field_offsets, offsets, (size_t)n * sizeof(Py_ssize_t));
    Py_XDECREF(old);
    return 0;
}

#define FIELD_AT(obj, offset) ((PyObject **)((char *)(obj) + (offset)))

PyDoc_STRVAR(new_fields_doc,
"new_fields(cls, values) -> object\n\n"
"A new instance of ``cls`` (object.__new__, no __init__) with each of cls.__slots__ set\n"
"to the value at its place in the tuple ``values`` (storyline.cluster.features.new_fields).");

static PyObject *new_fields(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyType_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "new_fields takes a class and a tuple");
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)args[0];
    PyObject *values = args[1];
    Py_ssize_t offsets[MAX_FIELDS], count;
    if (read_field_offsets(type, offsets, &count) < 0) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(values) != count) {
        PyErr_SetString(PyExc_ValueError, "new_fields: as many values as __slots__ are needed");
        return NULL;
    }
    PyObject *obj = type->tp_alloc(type, 0);
    if (obj == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        *FIELD_AT(obj, offsets[k]) = Py_NewRef(PyTuple_GET_ITEM(values, k));
    }
    return obj;
}

PyDoc_STRVAR(with_field_doc,
"with_field(obj, index, value) -> object\n\n"
"A new instance of type(obj) with each slot as obj's but the one at ``index`` of its\n"
"__slots__, which is ``value`` (storyline.cluster.features.with_field).");

static PyObject *with_field(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "with_field takes an object, an index and a value");
        return NULL;
    }
    PyObject *obj = args[0];
    PyTypeObject *type = Py_TYPE(obj);
    Py_ssize_t index = PyLong_AsSsize_t(args[1]);
    if (index == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t offsets[MAX_FIELDS], count;
    if (read_field_offsets(type, offsets, &count) < 0) {
        return NULL;
    }
    if (index < 0 || index >= count) {
        PyErr_SetString(PyExc_IndexError, "with_field: no slot at that index");
        return NULL;
    }
    PyObject *copy = type->tp_alloc(type, 0);
    if (copy == NULL) {
        return NULL;
    }
    /* obj's slots read after the allocation, which may run Python code (a collection) */
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *value = k == index ? args[2] : *FIELD_AT(obj, offsets[k]);
        if (value == NULL) {
            PyErr_SetString(PyExc_AttributeError, "with_field: a slot of the object is not set");
            Py_DECREF(copy);
            return NULL;
        }
        *FIELD_AT(copy, offsets[k]) = Py_NewRef(value);
    }
    /* off the collector's lists as obj is (see untrack_record) where ``value`` is no tracked container */
    if (PyObject_IS_GC(obj) && !PyObject_GC_IsTracked(obj) && !(PyObject_IS_GC(args[2]) && PyObject_GC_IsTracked(args[2]))
        && PyObject_IS_GC(copy) && PyObject_GC_IsTracked(copy)) {
        PyObject_GC_UnTrack(copy);
    }
    return copy;
}

/* ---- featurize in one call: an annotated article's ArticleFeatures made by the loops of
 * the featurize section above without a Python call between them (reference in
 * storyline/cluster/features.py: article_features). ---- */

/* The attributes and the method article_features reads, interned once. */
enum { A_ARTICLE, A_TITLE, A_TEXT, A_URL, A_ID, A_ENTITIES, A_DATES, A_VALUE, A_YEAR, A_TOORDINAL, A_EMBEDDING,
       A_COUNT };
static const char *const article_names[A_COUNT] = {"article", "title", "text", "url", "id", "entities", "dates",
                                                   "value", "year", "toordinal", "embedding"};
static PyObject *article_str[A_COUNT];
/* Where the classes of an annotated article, its article and its date mentions keep them
 * (model.py's records: slots), learnt per class (common.c's SlotSite; an object of any
 * other class, or one without such a slot, read by getattr). */
static SlotSite annotated_article_site, annotated_entities_site, annotated_dates_site, annotated_embedding_site;
static SlotSite article_title_site, article_text_site, article_url_site, article_id_site, mention_value_site;

/* The settings tuple's items (features._ARTICLE_SETTINGS), in order. */
enum { S_CLASS, S_STEM_CHARS, S_SLUG_MIN_WORDS, S_BODY_CHARS, S_BODY_TERMS, S_BODY_KEYS, S_PREFIXES, S_NUMERIC,
       S_MAIN_ENTITIES, S_TIME_CHARS, S_AS_VECTOR, S_COUNT };
/* ArticleFeatures' fields (its __slots__), in order. */
enum { F_ID, F_TITLE, F_BODY, F_ENTITIES, F_NUMBERS, F_DAY, F_YEAR, F_YEARS, F_HEADLINE_ONLY, F_MAIN, F_WEEKDAYS,
       F_MONTHS, F_KEYS, F_EMBEDDING, F_COUNT };

/* The event date's year and day read from an exact datetime.date by the datetime C API (no
 * attribute lookup and method call per article); anything else (a subclass, a datetime) is
 * asked as before. */
#include <datetime.h>

/* Whether the datetime C API is loaded (on first use; where it cannot be, never again). */
static int date_api_ready(void) {
    static int tried = 0;
    if (PyDateTimeAPI == NULL && !tried) {
        tried = 1;
        PyDateTime_IMPORT;
        if (PyDateTimeAPI == NULL) {
            PyErr_Clear(); /* (the attributes are read instead) */
        }
    }
    return PyDateTimeAPI != NULL;
}

/* date.toordinal() of an exact date: its proleptic Gregorian ordinal (1 January of year 1
 * is day 1), as CPython's datetime counts it (days before the year, before the month in
 * it, a leap day past February). */
static long date_ordinal(PyObject *date) {
    static const int days_before_month[13] = {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long year = PyDateTime_GET_YEAR(date), month = PyDateTime_GET_MONTH(date), prior = year - 1;
    int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return prior * 365 + prior / 4 - prior / 100 + prior / 400 + days_before_month[month] + (month > 2 && leap)
           + PyDateTime_GET_DAY(date);
}

/* The years the article's annotator dated things in ([d.value.year for d in dates]) as a new
 * list, or a new reference to the empty tuple where there are none; NULL with an exception set. */
static PyObject *known_years(PyObject *annotated) {
    PyObject *dates = site_attr(&annotated_dates_site, annotated, article_str[A_DATES]);
    int some = dates == NULL ? -1 : PyObject_IsTrue(dates);
    if (some <= 0) {
        Py_XDECREF(dates);
        return some < 0 ? NULL : PyTuple_New(0);
    }
    PyObject *years = PyList_New(0), *iter = PyObject_GetIter(dates), *date;
    Py_DECREF(dates);
    while (years != NULL && iter != NULL && (date = PyIter_Next(iter)) != NULL) {
        PyObject *value = site_attr(&mention_value_site, date, article_str[A_VALUE]);
        PyObject *year = value == NULL ? NULL
                         : date_api_ready() && PyDate_CheckExact(value) ? PyLong_FromLong(PyDateTime_GET_YEAR(value))
                                                                        : PyObject_GetAttr(value, article_str[A_YEAR]);
        if (year == NULL || PyList_Append(years, year) < 0) {
            Py_CLEAR(years);
        }
        Py_XDECREF(year);
        Py_XDECREF(value);
        Py_DECREF(date);
    }
    if (iter == NULL || PyErr_Occurred()) {
        Py_CLEAR(years);
    }
    Py_XDECREF(iter);
    return years;
}

/* The index keys (featurize's ``keys``) of title, entity and top body terms as a new tuple:
 * title and entity keys never meet (letters, "kind:name"), and a top body term counts
 * where the title lacks it (dict.fromkeys' first-seen order). A bag's keys are read from
 * its BagKeys where they were kept, else from the bag. NULL with an exception set. */
static PyObject *index_keys(PyObject *title, PyObject *entities, PyObject *top_body, const BagKeys *title_keys,
                            const BagKeys *entity_keys) {
    Py_ssize_t n_top = top_body == NULL ? 0 : PyList_GET_SIZE(top_body);
    PyObject *keys = PyTuple_New(PyDict_GET_SIZE(title) + PyDict_GET_SIZE(entities) + n_top), *key, *value;
    if (keys == NULL) {
        return NULL;
    }
    Py_ssize_t used = 0;
    PyObject *bags[2] = {title, entities};
    const BagKeys *kept[2] = {title_keys, entity_keys};
    for (int b = 0; b < 2; b++) {
        if (kept[b]->n >= 0 && kept[b]->n == PyDict_GET_SIZE(bags[b])) {
            for (Py_ssize_t k = 0; k < kept[b]->n; k++) {
                PyTuple_SET_ITEM(keys, used++, Py_NewRef(kept[b]->key[k]));
            }
            continue;
        }
        for (Py_ssize_t pos = 0; PyDict_Next(bags[b], &pos, &key, &value);) {
            PyTuple_SET_ITEM(keys, used++, Py_NewRef(key));
        }
    }
    for (Py_ssize_t k = 0; k < n_top; k++) {
        key = PyList_GET_ITEM(top_body, k);
        int known = PyDict_Contains(title, key);
        if (known < 0) {
            Py_DECREF(keys);
            return NULL;
        }
        if (!known) {
            PyTuple_SET_ITEM(keys, used++, Py_NewRef(key));
        }
    }
    if (used < PyTuple_GET_SIZE(keys) && _PyTuple_Resize(&keys, used) < 0) {
        return NULL;
    }
    return keys;
}

/* Whether ``obj`` is a tuple or frozenset of exact str only (no container: in no cycle). */
static int holds_only_str(PyObject *obj) {
    if (PyTuple_CheckExact(obj)) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(obj); k++) {
            if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(obj, k))) {
                return 0;
            }
        }
        return 1;
    }
    if (!PyFrozenSet_CheckExact(obj)) {
        return 0;
    }
    Py_ssize_t pos = 0;
    PyObject *item;
    Py_hash_t hash;
    while (_PySet_NextEntry(obj, &pos, &item, &hash)) {
        if (!PyUnicode_CheckExact(item)) {
            return 0;
        }
    }
    return 1;
}

/* Takes a new record of article_features (its ``count`` fields at ``offsets``) off the
 * collector's lists, with its tuples and frozensets of str, where no field is a tracked
 * container then: the stream keeps every article's record, which each full collection would
 * walk (and count towards the next) though none can be in a reference cycle. Its dicts,
 * str -> float, are untracked already (CPython tracks a dict once it holds a container),
 * and nothing puts a container in them; a tuple of str CPython untracks itself, at the
 * first collection it lives through. */
static void untrack_record(PyObject *record, const Py_ssize_t *offsets, Py_ssize_t count) {
    int contained = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *value = *FIELD_AT(record, offsets[k]);
        if (PyObject_GC_IsTracked(value)) { /* (0 for an object of no GC type) */
            if (holds_only_str(value)) {
                PyObject_GC_UnTrack(value);
            } else {
                contained = 1;
            }
        }
    }
    if (!contained) {
        PyObject_GC_UnTrack(record);
    }
}

/* The item of a tuple result at ``k``, a new reference. */
static PyObject *item_of(PyObject *tuple, Py_ssize_t k) {
    return Py_NewRef(PyTuple_GET_ITEM(tuple, k));
}

PyDoc_STRVAR(article_features_doc,
"article_features(annotated, stop, headline_only, when, settings) -> ArticleFeatures | None\n\n"
"featurize's features of an annotated article, given its stop words, whether it is a headline\n"
"alone and its event date (storyline.cluster.features.article_features); None where one of\n"
"the loops it runs (title_bag, body_bag, time_words) gives None.");

/* article_features of ``args``, given the article's ``article``, ``title`` and ``text`` where
 * the caller read them already (borrowed; each NULL where not: read here). */
static PyObject *article_record(PyObject *const *args, Py_ssize_t nargs, PyObject *read_article, PyObject *read_title,
                                PyObject *read_text) {
    if (nargs != 5 || !PyTuple_Check(args[4]) || PyTuple_GET_SIZE(args[4]) != S_COUNT) {
        PyErr_SetString(PyExc_TypeError, "article_features takes an article, stop words, headline_only, a date "
                                         "and the settings tuple");
        return NULL;
    }
    PyObject *annotated = args[0], *stop = args[1], *headline_only = args[2], *when = args[3], *settings = args[4];
    PyObject *const *set = &PyTuple_GET_ITEM(settings, 0);
    if (!PyType_Check(set[S_CLASS])) {
        PyErr_SetString(PyExc_TypeError, "article_features: the settings open with the record class");
        return NULL;
    }
    if (!PyAnySet_Check(stop)) {
        PyErr_SetString(PyExc_TypeError, "article_features: the stop words must be a set or frozenset");
        return NULL;
    }
    if (article_str[0] == NULL) {
        for (int k = 0; k < A_COUNT; k++) {
            if ((article_str[k] = PyUnicode_InternFromString(article_names[k])) == NULL) {
                return NULL;
            }
        }
    }
    PyTypeObject *type = (PyTypeObject *)set[S_CLASS];
    Py_ssize_t offsets[MAX_FIELDS], count, stem_chars, min_words, body_chars, time_chars;
    if (read_field_offsets(type, offsets, &count) < 0 || featurize_ready() < 0
        || count_argument(set[S_STEM_CHARS], "article_features", &stem_chars) < 0
        || count_argument(set[S_SLUG_MIN_WORDS], "article_features", &min_words) < 0
        || count_argument(set[S_BODY_CHARS], "article_features", &body_chars) < 0
        || count_argument(set[S_TIME_CHARS], "article_features", &time_chars) < 0) {
        return NULL;
    }
    if (count != F_COUNT) {
        PyErr_SetString(PyExc_TypeError, "article_features: a record class of featurize's fields is needed");
        return NULL;
    }
    if (stem_chars < 1) {
        PyErr_SetString(PyExc_ValueError, "article_features: stem length below 1");
        return NULL;
    }
    int headline = PyObject_IsTrue(headline_only);
    if (headline < 0) {
        return NULL;
    }
    PyObject *field[F_COUNT] = {NULL};
    PyObject *article = NULL, *title_text = NULL, *text = NULL, *url = NULL, *body_text = NULL, *found = NULL;
    PyObject *top_body = NULL, *known = NULL, *year = NULL, *out = NULL, *year_text = NULL;
    article = read_article != NULL ? Py_NewRef(read_article)
                                   : site_attr(&annotated_article_site, annotated, article_str[A_ARTICLE]);
    title_text = article == NULL ? NULL : read_title != NULL ? Py_NewRef(read_title)
                                                           : site_attr(&article_title_site, article, article_str[A_TITLE]);
    text = title_text == NULL ? NULL : read_text != NULL ? Py_NewRef(read_text)
                                                        : site_attr(&article_text_site, article, article_str[A_TEXT]);
    url = text == NULL ? NULL
          : headline   ? site_attr(&article_url_site, article, article_str[A_URL])
                       : Py_NewRef(Py_None);
    if (url == NULL) {
        goto done;
    }
    if (!PyUnicode_Check(title_text) || !PyUnicode_Check(text) || (url != Py_None && !PyUnicode_Check(url))) {
        PyErr_SetString(PyExc_TypeError, "article_features: an article's title and text must be str, its URL a str "
                                         "or None");
        goto done;
    }
    /* (a part that some loop leaves to its reference leaves the whole to the reference: None) */
    BagKeys title_keys, entity_keys;
    field[F_TITLE] = title_weights(title_text, stop, stem_chars, url, min_words, &title_keys);
    if (field[F_TITLE] == NULL || field[F_TITLE] == Py_None) {
        out = field[F_TITLE] == NULL ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    body_text = PyUnicode_Substring(text, 0, body_chars);
    if (body_text == NULL) {
        goto done;
    }
    if (headline) {
        field[F_BODY] = PyDict_New();
    } else {
        PyObject *bag_args[5] = {body_text, stop, set[S_STEM_CHARS], set[S_BODY_TERMS], set[S_BODY_KEYS]};
        found = body_bag(NULL, bag_args, 5);
        if (found == NULL || found == Py_None) {
            out = found == NULL ? NULL : Py_NewRef(Py_None);
            goto done;
        }
        field[F_BODY] = item_of(found, 0);
        top_body = item_of(found, 1);
        Py_CLEAR(found);
    }
    /* A text that is the title (a feed item's: most of a stream) adds no year, weekday or
     * month to the title's, so neither scan reads all of it again. Its years are the
     * title's. While the top holds both copies whole, title + "\n" + title names the
     * weekdays and months of title + "\n" + the title's leading whitespace and three
     * characters after it: a match in the second copy is one in the first, and the first
     * copy's last month looks ahead no further (\s+\d{1,2}\b). */
    Py_ssize_t title_n = PyUnicode_GET_LENGTH(title_text), text_cap = PY_SSIZE_T_MAX;
    int text_is_title = text == title_text
                        || (PyUnicode_GET_LENGTH(text) == title_n && PyUnicode_Compare(text, title_text) == 0);
    if (text_is_title && title_n + 1 + title_n <= time_chars) {
        for (text_cap = 0; text_cap < title_n && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(title_text, text_cap));) {
            text_cap++;
        }
        text_cap += 3;
    }
    year_text = text_is_title && title_n <= body_chars ? PyUnicode_New(0, 0) : Py_NewRef(body_text);
    if (year_text == NULL) {
        goto done;
    }
    PyObject *time_args[3] = {title_text, text, set[S_TIME_CHARS]};
    found = time_words_of(time_args, 3, text_cap);
    if (found == NULL || found == Py_None) {
        out = found == NULL ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    field[F_WEEKDAYS] = item_of(found, 0);
    field[F_MONTHS] = item_of(found, 1);
    Py_CLEAR(found);
    PyObject *entities = site_attr(&annotated_entities_site, annotated, article_str[A_ENTITIES]);
    if (entities == NULL) {
        goto done;
    }
    PyObject *entity_args[4] = {entities, set[S_PREFIXES], set[S_NUMERIC], set[S_MAIN_ENTITIES]};
    PyObject *entity_parts[3];
    found = entity_features_into(entity_args, 4, entity_parts, &entity_keys);
    Py_DECREF(entities);
    if (found == NULL) {
        goto done;
    }
    field[F_ENTITIES] = entity_parts[0];
    field[F_NUMBERS] = entity_parts[1];
    field[F_MAIN] = entity_parts[2];
    Py_CLEAR(found);
    if (field[F_BODY] == NULL
        || (field[F_KEYS] = index_keys(field[F_TITLE], field[F_ENTITIES], top_body, &title_keys, &entity_keys)) == NULL) {
        goto done;
    }
    if (when == Py_None) {
        year = Py_NewRef(Py_None);
        field[F_DAY] = Py_NewRef(Py_None);
    } else if (date_api_ready() && PyDate_CheckExact(when)) {
        year = PyLong_FromLong(PyDateTime_GET_YEAR(when));
        field[F_DAY] = PyLong_FromLong(date_ordinal(when));
    } else {
        year = PyObject_GetAttr(when, article_str[A_YEAR]);
        field[F_DAY] = year == NULL ? NULL : PyObject_CallMethodNoArgs(when, article_str[A_TOORDINAL]);
    }
    known = year == NULL || field[F_DAY] == NULL ? NULL : known_years(annotated);
    if (known == NULL) {
        goto done;
    }
    PyObject *year_args[4] = {title_text, year_text, known, year};
    PyObject *year_parts[2];
    found = year_features_into(year_args, 4, year_parts);
    if (found == NULL) {
        goto done;
    }
    field[F_YEAR] = year_parts[0];
    field[F_YEARS] = year_parts[1];
    Py_CLEAR(found);
    PyObject *embedding = site_attr(&annotated_embedding_site, annotated, article_str[A_EMBEDDING]);
    int some = embedding == NULL ? -1 : PyObject_IsTrue(embedding);
    field[F_EMBEDDING] = some < 0 ? NULL : some ? PyObject_CallOneArg(set[S_AS_VECTOR], embedding) : Py_NewRef(Py_None);
    Py_XDECREF(embedding);
    field[F_ID] = field[F_EMBEDDING] == NULL ? NULL : site_attr(&article_id_site, article, article_str[A_ID]);
    if (field[F_ID] == NULL) {
        goto done;
    }
    field[F_HEADLINE_ONLY] = Py_NewRef(headline_only);
    /* the record, made as new_fields makes it, at the offsets read above (this call's copy:
     * the Python code run since may have set the class's __slots__ anew) */
    if ((out = type->tp_alloc(type, 0)) == NULL) {
        goto done;
    }
    for (int k = 0; k < F_COUNT; k++) {
        *FIELD_AT(out, offsets[k]) = field[k];
        field[k] = NULL;
    }
    untrack_record(out, offsets, count);
done:
    for (int k = 0; k < F_COUNT; k++) {
        Py_XDECREF(field[k]);
    }
    Py_XDECREF(article);
    Py_XDECREF(title_text);
    Py_XDECREF(text);
    Py_XDECREF(url);
    Py_XDECREF(body_text);
    Py_XDECREF(found);
    Py_XDECREF(top_body);
    Py_XDECREF(known);
    Py_XDECREF(year);
    Py_XDECREF(year_text);
    return out;
}

static PyObject *article_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return article_record(args, nargs, NULL, NULL, NULL);
}

/* ---- featurize in one call from the stream: the Python around article_features (the stop
 * words, cached for the last language) without a Python frame of its own; the article's
 * headline_only and event_date are read as the reference reads them, so that
 * model.Article and features.event_date stay their one definition (reference in
 * storyline/cluster/features.py: featurize). ---- */

/* What register_featurize was given, held: article_features' settings, features.stop_words,
 * features.event_date and the reference of article_features. */
static PyObject *featurize_settings = NULL, *featurize_stop_words = NULL, *featurize_event_date = NULL,
                *featurize_fallback = NULL;
enum { FZ_LANGUAGE, FZ_HEADLINE_ONLY, FZ_PUBLICATION_DAY, FZ_PUBLISHED_BY, FZ_PUBLISHED, FZ_EVENT_DATE,
       FZ_YEAR_BOUND_SOURCES, FZ_COUNT };
static const char *const featurize_names[FZ_COUNT] = {"language", "headline_only", "publication_day", "published_by",
                                                      "published", "event_date", "YEAR_BOUND_SOURCES"};
static PyObject *featurize_str[FZ_COUNT];
/* (see annotated_article_site) */
static SlotSite article_language_site, article_published_by_site, article_published_site, annotated_event_date_site;

/* The model's article class (model.Article, held), its headline_only and publication_day
 * properties (held) and the module globals they read (held), as register_featurize was
 * given them: for an article of exactly that class, while the class has those properties
 * and getattr, featurize computes them here as model.py does (no Python frame each) and
 * follows features.event_date; NULL: not given. The version the class was last seen at
 * with those properties: the check each article. */
static PyTypeObject *model_article_type = NULL;
static PyObject *model_headline_only = NULL, *model_publication_day = NULL, *model_globals = NULL;
static unsigned int model_article_version = 0;

/* model_article for a class seen at another version: whether it still has the properties. */
static int model_article_again(PyTypeObject *type) {
    if (type->tp_getattro != PyObject_GenericGetAttr
        || _PyType_Lookup(type, featurize_str[FZ_HEADLINE_ONLY]) != model_headline_only
        || _PyType_Lookup(type, featurize_str[FZ_PUBLICATION_DAY]) != model_publication_day
        || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return 0;
    }
    model_article_version = type->tp_version_tag;
    return 1;
}

/* Whether ``article`` is of the model's article class, as registered (see above). */
static inline int model_article(PyObject *article) {
    PyTypeObject *type = Py_TYPE(article);
    if (type != model_article_type) {
        return 0;
    }
    if (type->tp_version_tag == model_article_version && type->tp_getattro == PyObject_GenericGetAttr
        && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return 1;
    }
    return model_article_again(type);
}

/* Where str.strip() would cut ``text`` (exact str): its first and past-last kept characters
 * (whitespace as str.strip() tells it: Py_UNICODE_ISSPACE). */
static void strip_bounds(PyObject *text, Py_ssize_t *start, Py_ssize_t *end) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t a = 0, b = PyUnicode_GET_LENGTH(text);
    while (a < b && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) {
        a++;
    }
    while (b > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1))) {
        b--;
    }
    *start = a;
    *end = b;
}

/* model.Article.headline_only of an article with this title and text: ``not body or body ==
 * title.strip()`` for body = text.strip(), without the stripped copies; -1 where either is
 * no exact str (a subclass may strip or compare otherwise: the property is asked). */
static int headline_of(PyObject *title, PyObject *text) {
    if (!PyUnicode_CheckExact(text) || !PyUnicode_CheckExact(title)) {
        return -1;
    }
    Py_ssize_t body_start, body_end, title_start, title_end;
    strip_bounds(text, &body_start, &body_end);
    if (body_start == body_end) {
        return 1;
    }
    strip_bounds(title, &title_start, &title_end);
    Py_ssize_t n = body_end - body_start;
    if (title_end - title_start != n) {
        return 0;
    }
    int body_kind = PyUnicode_KIND(text), title_kind = PyUnicode_KIND(title);
    const void *body = PyUnicode_DATA(text), *head = PyUnicode_DATA(title);
    if (body_kind == title_kind) {
        return memcmp((const char *)body + body_start * body_kind, (const char *)head + title_start * title_kind,
                      (size_t)(n * body_kind)) == 0;
    }
    /* (kinds differ where whitespace cut off one of them is wider than the rest: the
     * stripped copies may still be equal) */
    for (Py_ssize_t k = 0; k < n; k++) {
        if (PyUnicode_READ(body_kind, body, body_start + k) != PyUnicode_READ(title_kind, head, title_start + k)) {
            return 0;
        }
    }
    return 1;
}

/* model.YEAR_BOUND_SOURCES (borrowed; NULL where the globals lack it, or with an exception
 * set): looked up in model_globals again only where they changed since (bookkeeping.c's
 * dict_version; a lookup each time where there is none). The value last seen is held. */
static PyObject *year_bound_seen = NULL;
static uint64_t year_bound_version = 0;

static PyObject *year_bound_sources(void) {
    uint64_t version = dict_version(model_globals);
    if (version != 0 && version == year_bound_version) {
        return year_bound_seen;
    }
    PyObject *bound = PyDict_GetItemWithError(model_globals, featurize_str[FZ_YEAR_BOUND_SOURCES]);
    Py_XSETREF(year_bound_seen, Py_XNewRef(bound));
    year_bound_version = bound != NULL ? version : 0;
    return bound;
}

/* features.event_date(annotated) for an article of the model's class (``article``, read
 * from annotated's plain slot): its publication_day as the property computes it, then the
 * annotator's date where there is one; event_date itself is called where the day is None
 * (the URL's date) and where a field is not read from a plain slot or YEAR_BOUND_SOURCES
 * is no set. A new reference, NULL with an exception set. */
static PyObject *model_event_date(PyObject *annotated, PyObject *article) {
    PyObject *published_by = site_slot(&article_published_by_site, article, featurize_str[FZ_PUBLISHED_BY]);
    PyObject *bound = year_bound_sources();
    if (bound != NULL && PyAnySet_CheckExact(bound) && published_by != NULL && PyUnicode_CheckExact(published_by)
        && site_peek(&annotated_article_site, annotated) == article) {
        /* held: a set's item of the same hash compares by its own __eq__ (Python code) */
        Py_INCREF(bound);
        Py_INCREF(published_by);
        int year_bound = PySet_Contains(bound, published_by);
        Py_DECREF(bound);
        Py_DECREF(published_by);
        if (year_bound < 0) {
            return NULL;
        }
        PyObject *published = year_bound ? NULL : site_slot(&article_published_site, article, featurize_str[FZ_PUBLISHED]);
        PyObject *event = published == NULL || published == Py_None
                          ? NULL : site_slot(&annotated_event_date_site, annotated, featurize_str[FZ_EVENT_DATE]);
        if (event != NULL) {
            return Py_NewRef(event == Py_None ? published : event);
        }
    } else if (PyErr_Occurred()) {
        return NULL;
    }
    return PyObject_CallOneArg(featurize_event_date, annotated);
}
/* The last language featurize asked stop_words for, and its answer (held): a stream's
 * articles are mostly in one language, and the call costs more than the rest of featurize's
 * own work. */
static PyObject *last_language = NULL, *last_stop = NULL;

PyDoc_STRVAR(register_featurize_doc,
"register_featurize(settings, stop_words, event_date, reference[, article_class]) -> None\n\n"
"What featurize reads besides the article (storyline.cluster.features: _ARTICLE_SETTINGS,\n"
"stop_words, event_date, the reference of article_features), and model.Article, whose\n"
"headline_only and publication_day (and so event_date) are computed in C for its instances.");

static PyObject *register_featurize(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if ((nargs != 4 && nargs != 5) || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != S_COUNT
        || !PyCallable_Check(args[1]) || !PyCallable_Check(args[2]) || !PyCallable_Check(args[3])
        || (nargs == 5 && args[4] != Py_None && !PyType_Check(args[4]))) {
        PyErr_SetString(PyExc_TypeError, "register_featurize takes the settings tuple, three callables and a class");
        return NULL;
    }
    for (int k = 0; k < FZ_COUNT; k++) {
        if (featurize_str[k] == NULL && (featurize_str[k] = PyUnicode_InternFromString(featurize_names[k])) == NULL) {
            return NULL;
        }
    }
    PyTypeObject *type = nargs == 5 && args[4] != Py_None ? (PyTypeObject *)args[4] : NULL;
    PyObject *headline = NULL, *day = NULL, *globals = NULL;
    if (type != NULL) {
        /* its two properties, and the globals of publication_day's getter (YEAR_BOUND_SOURCES) */
        headline = _PyType_Lookup(type, featurize_str[FZ_HEADLINE_ONLY]);
        day = _PyType_Lookup(type, featurize_str[FZ_PUBLICATION_DAY]);
        PyObject *getter = day != NULL && Py_IS_TYPE(day, &PyProperty_Type)
                           ? PyObject_GetAttrString(day, "fget") : NULL;
        globals = getter != NULL && PyFunction_Check(getter) ? PyFunction_GetGlobals(getter) : NULL;
        Py_XDECREF(getter); /* (the property holds it, and it its globals) */
        if (headline == NULL || !Py_IS_TYPE(headline, &PyProperty_Type) || globals == NULL) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "register_featurize: the article class has no headline_only and "
                                             "publication_day properties");
            return NULL;
        }
    }
    Py_XSETREF(model_article_type, (PyTypeObject *)Py_XNewRef(type));
    Py_XSETREF(model_headline_only, Py_XNewRef(headline));
    Py_XSETREF(model_publication_day, Py_XNewRef(day));
    Py_XSETREF(model_globals, Py_XNewRef(globals));
    year_bound_version = 0;
    model_article_version = type != NULL && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)
                            ? type->tp_version_tag : 0;
    Py_XSETREF(featurize_settings, Py_NewRef(args[0]));
    Py_XSETREF(featurize_stop_words, Py_NewRef(args[1]));
    Py_XSETREF(featurize_event_date, Py_NewRef(args[2]));
    Py_XSETREF(featurize_fallback, Py_NewRef(args[3]));
    Py_CLEAR(last_language);
    Py_CLEAR(last_stop);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(featurize_doc,
"featurize(annotated) -> ArticleFeatures\n\n"
"The sparse features of one annotated article (no corpus statistics needed):\n"
"storyline.cluster.features.featurize.");

static PyObject *featurize(PyObject *self, PyObject *annotated) {
    if (featurize_settings == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "featurize: register_featurize was not called");
        return NULL;
    }
    if (article_str[0] == NULL) {
        for (int k = 0; k < A_COUNT; k++) {
            if ((article_str[k] = PyUnicode_InternFromString(article_names[k])) == NULL) {
                return NULL;
            }
        }
    }
    PyObject *article = site_attr(&annotated_article_site, annotated, article_str[A_ARTICLE]);
    PyObject *language = article == NULL ? NULL : site_attr(&article_language_site, article, featurize_str[FZ_LANGUAGE]);
    PyObject *stop = NULL, *headline_only = NULL, *when = NULL, *made = NULL, *title = NULL, *text = NULL;
    if (language != NULL && language == last_language) {
        stop = Py_NewRef(last_stop);
    } else if (language != NULL && (stop = PyObject_CallOneArg(featurize_stop_words, language)) != NULL) {
        /* (stop_words is a cache: the same set for the same language) */
        Py_XSETREF(last_language, Py_NewRef(language));
        Py_XSETREF(last_stop, Py_NewRef(stop));
    }
    Py_XDECREF(language);
    if (stop == NULL) {
        goto done;
    }
    if (model_article(article)) {
        /* model.py's properties computed here; the title and text read for them passed on */
        text = site_attr(&article_text_site, article, article_str[A_TEXT]);
        title = text == NULL ? NULL : site_attr(&article_title_site, article, article_str[A_TITLE]);
        int headline = title == NULL ? 0 : headline_of(title, text);
        headline_only = title == NULL ? NULL : headline >= 0 ? Py_NewRef(headline ? Py_True : Py_False)
                                                            : PyObject_GetAttr(article, featurize_str[FZ_HEADLINE_ONLY]);
        when = headline_only == NULL ? NULL : model_event_date(annotated, article);
    } else {
        headline_only = PyObject_GetAttr(article, featurize_str[FZ_HEADLINE_ONLY]);
        when = headline_only == NULL ? NULL : PyObject_CallOneArg(featurize_event_date, annotated);
    }
    if (when == NULL) {
        goto done;
    }
    PyObject *args[5] = {annotated, stop, headline_only, when, featurize_settings};
    made = article_record(args, 5, article, title, text);
    if (made == Py_None) {  /* input that a compiled loop leaves to its reference */
        Py_SETREF(made, PyObject_Vectorcall(featurize_fallback, args, 5, NULL));
    }
done:
    Py_XDECREF(article);
    Py_XDECREF(stop);
    Py_XDECREF(headline_only);
    Py_XDECREF(when);
    Py_XDECREF(title);
    Py_XDECREF(text);
    return made;
}

PyDoc_STRVAR(register_idf_cache_doc,
"register_idf_cache(cls) -> None\n\n"
"Terms missing from an IDF cache of exactly this class are computed in C, as\n"
"storyline.cluster.features._IdfCache.__missing__ computes them (no Python call).");

static PyObject *register_idf_cache(PyObject *self, PyObject *cls) {
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyDict_Type)) {
        PyErr_SetString(PyExc_TypeError, "register_idf_cache: a dict subclass is needed");
        return NULL;
    }
    Py_INCREF(cls);
    Py_XSETREF(idf_cache_type, (PyTypeObject *)cls);
    Py_RETURN_NONE;
}
