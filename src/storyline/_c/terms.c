/* terms.c: TermTable, the clusterer's IDF weights as C data (DocumentFrequencies.weights
 * where the extension is compiled; features._IdfCache is its pure-Python reference). One
 * open-addressing table of terms, each with its IDF weight and the epoch it was read at:
 * a read at an older epoch computes log((n + 1) / (df + 1)) + 1.0 from the owner's n and
 * df of that moment, as _IdfCache.__missing__ does at the first read after a clear, and
 * clear() only starts a new epoch (no dict emptied and grown again, no float per term).
 * The C loops read it inline (term_table_idf, through idf_of); Python reads it as a
 * mapping of the terms with a weight at this epoch. ``version`` changes whenever a read
 * could give another value (a new epoch, a pinned or removed weight): the loops' caches
 * of weights key on it. Uses common.c (site_peek/site_attr, the owner's slot sites). */

/* ---- dict_next: PyDict_Next, inline where CPython 3.11 lays the dict out as its
 * Include/internal/pycore_dict.h does (a combined table: the entries in order after the
 * index, a NULL value where one was removed); a split table, or another version, takes
 * PyDict_Next. The loops over an article's bags take a step per term: a call each cost
 * them as much as the work done with the term. ---- */

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define DICT_NEXT_INLINE 1
typedef struct {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind; /* 0: any keys (an entry keeps its hash); else str keys alone */
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];
} DictKeys311;

typedef struct {
    Py_hash_t hash;
    PyObject *key, *value;
} DictEntry311;

typedef struct {
    PyObject *key, *value;
} DictStrEntry311;
#else
#define DICT_NEXT_INLINE 0
#endif

/* PyDict_Next(dict, pos, key, value): the next item, borrowed, 0 past the last (or where
 * ``dict`` is none). */
static inline int dict_next(PyObject *dict, Py_ssize_t *pos, PyObject **key, PyObject **value) {
#if DICT_NEXT_INLINE
    PyDictObject *mp = (PyDictObject *)dict;
    if (PyDict_Check(dict) && mp->ma_values == NULL && *pos >= 0) {
        const DictKeys311 *dk = (const DictKeys311 *)mp->ma_keys;
        const char *entries = dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes);
        Py_ssize_t i = *pos, n = dk->dk_nentries;
        if (dk->dk_kind != 0) {
            const DictStrEntry311 *e = (const DictStrEntry311 *)entries;
            for (; i < n; i++) {
                if (e[i].value != NULL) {
                    *key = e[i].key;
                    *value = e[i].value;
                    *pos = i + 1;
                    return 1;
                }
            }
        } else {
            const DictEntry311 *e = (const DictEntry311 *)entries;
            for (; i < n; i++) {
                if (e[i].value != NULL) {
                    *key = e[i].key;
                    *value = e[i].value;
                    *pos = i + 1;
                    return 1;
                }
            }
        }
        return 0;
    }
#endif
    return PyDict_Next(dict, pos, key, value);
}

/* PyDict_GetItemWithError(dict, name) for an exact str ``name`` whose hash is known, read
 * inline on 3.11 from a dict of a few str keys (a story's norm cache): a key is ``name``
 * itself, or has another hash (then it differs), or is looked up (an equal key of the same
 * hash, unless both are interned: two interned str of the same text are one object). */
static inline PyObject *dict_get_str(PyObject *dict, PyObject *name) {
#if DICT_NEXT_INLINE
    Py_hash_t hash = PyUnicode_CheckExact(name) ? ((PyASCIIObject *)name)->hash : -1;
    if (hash != -1 && PyDict_Check(dict) && ((PyDictObject *)dict)->ma_values == NULL) {
        const DictKeys311 *dk = (const DictKeys311 *)((PyDictObject *)dict)->ma_keys;
        Py_ssize_t i = 0, n = dk->dk_nentries;
        if (dk->dk_kind != 0 && n <= 16) { /* str keys alone, each with its hash */
            const DictStrEntry311 *e =
                (const DictStrEntry311 *)(dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
            for (; i < n; i++) {
                PyObject *key = e[i].key;
                if (e[i].value == NULL || (key != name && ((PyASCIIObject *)key)->hash != hash)) {
                    continue;
                }
                if (key == name) {
                    return e[i].value;
                }
                if (!PyUnicode_CHECK_INTERNED(key) || !PyUnicode_CHECK_INTERNED(name)) {
                    break; /* a key that may equal ``name``: looked up */
                }
            }
            if (i == n) {
                return NULL;
            }
        }
    }
#endif
    return PyDict_GetItemWithError(dict, name);
}

/* PyDict_GetItemWithError(dict, key) for an exact int ``key`` of one digit or none (a year),
 * read inline on 3.11 from a dict of a few keys (a story's Counter of years): a key is
 * ``key`` itself, or has another hash (then it differs), or is an exact int of one digit
 * or none (equal where its digit is), or is looked up (a float of its value, say). */
static inline PyObject *dict_get_small_int(PyObject *dict, PyObject *key) {
#if DICT_NEXT_INLINE
    if (PyLong_CheckExact(key) && Py_SIZE(key) >= 0 && Py_SIZE(key) <= 1 && PyDict_Check(dict)
            && ((PyDictObject *)dict)->ma_values == NULL) {
        const DictKeys311 *dk = (const DictKeys311 *)((PyDictObject *)dict)->ma_keys;
        Py_ssize_t i = 0, n = dk->dk_nentries;
        digit value = Py_SIZE(key) == 0 ? 0 : ((PyLongObject *)key)->ob_digit[0];
        Py_hash_t hash = (Py_hash_t)value;               /* an int's hash, below 2 ** 30 */
        if (dk->dk_kind == 0 && n <= 16) {
            const DictEntry311 *e = (const DictEntry311 *)(dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
            for (; i < n; i++) {
                PyObject *stored = e[i].key;
                if (e[i].value == NULL || (stored != key && e[i].hash != hash)) {
                    continue;
                }
                if (stored == key) {
                    return e[i].value;
                }
                if (!PyLong_CheckExact(stored) || Py_SIZE(stored) < 0 || Py_SIZE(stored) > 1) {
                    break; /* a key of its hash that may equal it: looked up */
                }
                if ((Py_SIZE(stored) == 0 ? 0 : ((PyLongObject *)stored)->ob_digit[0]) == value) {
                    return e[i].value;
                }
            }
            if (i == n) {
                return NULL;
            }
        }
    }
#endif
    return PyDict_GetItemWithError(dict, key);
}

typedef struct {
    PyObject *key; /* held; NULL: an empty place (keys are never removed) */
    Py_hash_t hash;
    double idf;      /* the weight read or pinned at ``epoch``... */
    uint64_t epoch;  /* ...(0: none) */
    Py_ssize_t rank; /* its place in ``order`` at that epoch */
    int64_t count;         /* the documents counted with the term (DocumentFrequencies.df) */
    uint64_t stamp;        /* the counting that counted it last (each counts a term once) */
    Py_ssize_t count_rank; /* its place in ``counted`` (where count > 0) */
} TermEntry;

typedef struct {
    PyObject_HEAD
    PyObject *owner; /* the DocumentFrequencies whose n and df a read takes (held) */
    TermEntry *slots;
    size_t mask;      /* mask + 1 places, a power of two */
    Py_ssize_t used;  /* keys held */
    Py_ssize_t live;  /* keys with a weight at this epoch */
    uint64_t epoch;   /* from 1 */
    uint64_t version; /* a new one with each new epoch, pinned or removed weight */
    uint64_t layout;  /* advanced as a key is added or the places move: a search that ran
                       * Python code meanwhile starts again */
    /* the places of the keys in the order they got their weights at this epoch (as a dict
     * emptied at each epoch holds them); a place whose entry's rank is not its own is
     * left over (the key's weight was removed, given again later) */
    Py_ssize_t *order;
    Py_ssize_t order_n, order_room;
    /* the places of the counted keys, in the order first counted (as a Counter holds them) */
    Py_ssize_t *counted;
    Py_ssize_t counted_n, counted_room;
    uint64_t stamp; /* advanced by each counting */
    /* term_refresh's weights of the counts below IDF_MEMO at the corpus size ``memo_n``
     * (bit k of ``memo_have``: the count k's is in memo[k]): the weights read at one size,
     * an article's, share a few small counts */
    long long memo_n;
    uint64_t memo_have;
    double memo[64];
} TermTable;

#define IDF_MEMO 64

/* TermCounts: a table's document counts as a mapping (DocumentFrequencies.df). */
typedef struct {
    PyObject_HEAD
    TermTable *table; /* held */
} TermCounts;

static PyTypeObject TermCountsType;

#define TERM_TABLE_MIN 64

/* The tables' versions, one count for all: no two tables, and no dict (whose version tags
 * stay far below 2 ** 63), ever have the same, so a weight kept with a version is known to
 * come from the mapping that has it now. */
static uint64_t term_table_versions = 1ULL << 63;

/* A str whose hash and equality are str's own: compared by its text. */
static inline int plain_str(PyObject *o) {
    if (PyUnicode_CheckExact(o)) {
        return 1;
    }
    PyTypeObject *type = Py_TYPE(o);
    return PyUnicode_Check(o) && type->tp_richcompare == PyUnicode_Type.tp_richcompare
           && type->tp_hash == PyUnicode_Type.tp_hash;
}

/* Two str of the same text (str's are stored in their narrowest kind), compared eight
 * bytes at a time: a term is short, and a memcmp of unknown length may be compiled to a
 * byte-by-byte string instruction. */
static inline int same_text(PyObject *a, PyObject *b) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(a);
    if (length != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) {
        return 0;
    }
    const char *x = PyUnicode_DATA(a), *y = PyUnicode_DATA(b);
    size_t n = (size_t)length * PyUnicode_KIND(a);
    for (; n >= 8; n -= 8, x += 8, y += 8) {
        uint64_t p, q;
        memcpy(&p, x, 8);
        memcpy(&q, y, 8);
        if (p != q) {
            return 0;
        }
    }
    for (; n > 0; n--) {
        if (*x++ != *y++) {
            return 0;
        }
    }
    return 1;
}

/* The place of ``key`` (of hash ``hash``): *found 1 where the table holds it, else 0 and
 * the empty place it would take; -1 with an exception set (a key's __eq__ failed). Keys
 * other than plain str are compared as a dict compares them (Python code may run: where
 * it moved the places, the search starts again). */
static Py_ssize_t term_place(TermTable *t, PyObject *key, Py_hash_t hash, int *found) {
    int plain = plain_str(key);
restart:;
    size_t mask = t->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
    uint64_t layout = t->layout;
    for (;;) {
        PyObject *stored = t->slots[i].key;
        if (stored == NULL || stored == key) {
            *found = stored != NULL;
            return (Py_ssize_t)i;
        }
        if (t->slots[i].hash == hash) {
            int equal;
            if (plain && plain_str(stored)) {
                equal = same_text(stored, key);
            } else {
                Py_INCREF(stored);
                equal = PyObject_RichCompareBool(stored, key, Py_EQ);
                Py_DECREF(stored);
                if (equal < 0) {
                    return -1;
                }
                if (t->layout != layout) {
                    goto restart;
                }
            }
            if (equal) {
                *found = 1;
                return (Py_ssize_t)i;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* Room for one more key (kept at most two thirds full); -1 with an exception set. */
static int term_room(TermTable *t) {
    if ((size_t)(t->used + 1) * 3 < (t->mask + 1) * 2) {
        return 0;
    }
    size_t size = (t->mask + 1) * 2;
    /* only an empty place's key is ever read (term_put writes the rest): each key set to
     * NULL, not every byte of the table cleared */
    TermEntry *slots = size > PY_SSIZE_T_MAX / sizeof(TermEntry) ? NULL : PyMem_Malloc(size * sizeof(TermEntry));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < size; k++) {
        slots[k].key = NULL;
    }
    for (size_t k = 0; k <= t->mask; k++) {
        TermEntry *e = &t->slots[k];
        if (e->key != NULL) {
            size_t perturb = (size_t)e->hash, i = (size_t)e->hash & (size - 1);
            while (slots[i].key != NULL) {
                perturb >>= 5;
                i = (i * 5 + perturb + 1) & (size - 1);
            }
            slots[i] = *e;
            if (e->epoch == t->epoch) {
                t->order[e->rank] = (Py_ssize_t)i;
            }
            if (e->count > 0) {
                t->counted[e->count_rank] = (Py_ssize_t)i;
            }
        }
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    t->layout++;
    return 0;
}

/* ``key`` (of hash ``hash``) put at the empty place ``at`` (with no weight, no count). */
static inline TermEntry *term_put(TermTable *t, PyObject *key, Py_hash_t hash, Py_ssize_t at) {
    TermEntry *e = &t->slots[at];
    e->key = Py_NewRef(key);
    e->hash = hash;
    e->epoch = 0;
    e->count = 0;
    e->stamp = 0;
    t->used++;
    t->layout++; /* a place taken: a search that ran Python code meanwhile starts again */
    return e;
}

/* Whether one more key fits without moving the places. */
static inline int term_fits(const TermTable *t) {
    return (size_t)(t->used + 1) * 3 < (t->mask + 1) * 2;
}

/* The entry of ``key``, added (with no weight) where the table lacks it; NULL with an
 * exception set. Valid until Python code runs or a key is added. */
static TermEntry *term_entry(TermTable *t, PyObject *key, Py_hash_t hash) {
    int found;
    if (term_room(t) < 0) {
        return NULL;
    }
    Py_ssize_t at = term_place(t, key, hash, &found);
    if (at < 0) {
        return NULL;
    }
    if (!found && (size_t)(t->used + 1) * 3 >= (t->mask + 1) * 2) {
        /* a key's __eq__ filled the table meanwhile: make room, search again */
        return term_entry(t, key, hash);
    }
    return found ? &t->slots[at] : term_put(t, key, hash, at);
}

/* Gives the entry at place ``at`` a weight at this epoch (``value``), last in the order
 * (as a key new to a dict comes last); -1 with an exception set. */
static int term_valued(TermTable *t, Py_ssize_t at, double value) {
    TermEntry *e = &t->slots[at];
    if (e->epoch != t->epoch) {
        if (t->order_n == t->order_room) {
            Py_ssize_t room = t->order_room < 64 ? 64 : t->order_room * 2;
            Py_ssize_t *order = PyMem_Realloc(t->order, sizeof(Py_ssize_t) * (size_t)room);
            if (order == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            t->order = order;
            t->order_room = room;
        }
        e->epoch = t->epoch;
        e->rank = t->order_n;
        t->order[t->order_n++] = at;
        t->live++;
    }
    e->idf = value;
    return 0;
}

/* Whether ``counts`` are the document counts of table ``t`` (its TermCounts). */
static inline int counts_of(PyObject *counts, TermTable *t) {
    return Py_IS_TYPE(counts, &TermCountsType) && ((TermCounts *)counts)->table == t;
}

/* The document count of ``term`` and the corpus size: owner.df.get(term, 0) and owner.n,
 * each a plain int below 2 ** 53 (as Python's int / int divides them then); the table's
 * own count (``own``) where owner.df is its counts. -1 with an exception set (TypeError
 * where they are not such ints). */
static int term_inputs(TermTable *t, PyObject *term, int64_t own, long long *n, long long *count) {
    if (t->owner == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "TermTable: no owner");
        return -1;
    }
    if (idf_df_name == NULL) { /* the three at once, as computed_idf makes them */
        if ((idf_owner_name == NULL && (idf_owner_name = PyUnicode_InternFromString("owner")) == NULL)
                || (idf_n_name == NULL && (idf_n_name = PyUnicode_InternFromString("n")) == NULL)
                || (idf_df_name = PyUnicode_InternFromString("df")) == NULL) {
            return -1;
        }
    }
    PyObject *owner = Py_NewRef(t->owner);
    PyObject *n_obj = site_attr(&idf_n_site, owner, idf_n_name);
    PyObject *df = n_obj == NULL ? NULL : site_attr(&idf_df_site, owner, idf_df_name);
    Py_DECREF(owner);
    int done = -1;
    if (df == NULL) {
        goto out;
    }
    if (!PyLong_Check(n_obj) || !(PyDict_Check(df) || counts_of(df, t))) {
        PyErr_SetString(PyExc_TypeError, "TermTable: the owner's n must be an int and its df a dict");
        goto out;
    }
    *n = PyLong_AsLongLong(n_obj);
    if (*n == -1 && PyErr_Occurred()) {
        goto out;
    }
    *count = PyDict_Check(df) ? 0 : own;
    /* dict.get: Counter does not override it */
    PyObject *held = PyDict_Check(df) ? PyDict_GetItemWithError(df, term) : NULL;
    if (held != NULL) {
        if (!PyLong_Check(held)) {
            PyErr_SetString(PyExc_TypeError, "TermTable: a document count must be an int");
            goto out;
        }
        *count = PyLong_AsLongLong(held);
    }
    if (PyErr_Occurred()) {
        goto out;
    }
    const long long exact = 1LL << 53;
    if (*n < 0 || *n >= exact || *count < 0 || *count >= exact) {
        PyErr_SetString(PyExc_ValueError, "TermTable: counts must lie in [0, 2 ** 53)");
        goto out;
    }
    done = 0;
out:
    Py_XDECREF(n_obj);
    Py_XDECREF(df);
    return done;
}

/* table[term]: the weight at this epoch, computed and kept where it has none; -1.0 with
 * an exception set on failure. */
static double term_read(TermTable *t, PyObject *term) {
    Py_hash_t hash = PyObject_Hash(term);
    if (hash == -1) {
        return -1.0;
    }
    Py_INCREF(term); /* held while Python code may run (a key's __eq__) */
    double out = -1.0;
    int found;
    Py_ssize_t at = term_place(t, term, hash, &found);
    if (at < 0) {
        goto done;
    }
    if (found && t->slots[at].epoch == t->epoch) {
        out = t->slots[at].idf;
        goto done;
    }
    uint64_t layout = t->layout;
    long long n, count;
    if (term_inputs(t, term, found ? t->slots[at].count : 0, &n, &count) < 0) {
        goto done;
    }
    double value = log((double)(n + 1) / (double)(count + 1)) + 1.0;
    /* a key found stays at its place while the places did not move */
    TermEntry *e = found && t->layout == layout ? &t->slots[at] : term_entry(t, term, hash);
    if (e == NULL) {
        goto done;
    }
    if (e->epoch != t->epoch && term_valued(t, e - t->slots, value) < 0) {
        goto done;
    }
    out = e->idf;
done:
    Py_DECREF(term);
    return out;
}

/* The entry of an exact str ``term`` of hash ``hash`` (not -1), searched inline; NULL
 * where the table lacks it (*empty: the empty place it would take), or where another key
 * has its hash, an exact str of other text or any other key (*empty -1: the caller goes to
 * term_place, which compares those and searches on). */
static inline TermEntry *term_find_str(TermTable *t, PyObject *term, Py_hash_t hash, Py_ssize_t *empty) {
    size_t mask = t->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
    *empty = -1;
    for (;;) {
        TermEntry *e = &t->slots[i];
        if (e->key == term) {
            return e;
        }
        if (e->key == NULL) {
            *empty = (Py_ssize_t)i;
            return NULL;
        }
        if (e->hash == hash) {
            return PyUnicode_CheckExact(e->key) && same_text(e->key, term) ? e : NULL;
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* term_read for the entry ``e`` of ``term`` with no weight at this epoch, where the owner's
 * n is a plain int and its df the table's counts (the stream's case: no Python code runs,
 * no search again); else term_read. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static double term_refresh(TermTable *t, PyObject *term, TermEntry *e) {
    PyObject *owner = t->owner;
    PyObject *n_obj = owner == NULL ? NULL : site_peek(&idf_n_site, owner);
    PyObject *df = n_obj == NULL ? NULL : site_peek(&idf_df_site, owner);
    if (df != NULL && counts_of(df, t) && PyLong_CheckExact(n_obj)) {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
        /* a size of one digit (3.11's int layout: below 2 ** 30) read straight */
        long long n = Py_SIZE(n_obj) == 1 ? (long long)((PyLongObject *)n_obj)->ob_digit[0] : PyLong_AsLongLong(n_obj);
#else
        long long n = PyLong_AsLongLong(n_obj);
#endif
        const long long exact = 1LL << 53;
        if (n >= 0 && n < exact && e->count < exact) {
            if (n != t->memo_n) {
                t->memo_n = n;
                t->memo_have = 0;
            }
            int64_t count = e->count;
            double value;
            if (count < IDF_MEMO && (t->memo_have >> count) & 1) {
                value = t->memo[count];
            } else {
                value = log((double)(n + 1) / (double)(count + 1)) + 1.0;
                if (count < IDF_MEMO) {
                    t->memo[count] = value;
                    t->memo_have |= (uint64_t)1 << count;
                }
            }
            return term_valued(t, e - t->slots, value) < 0 ? -1.0 : value;
        }
        PyErr_Clear(); /* term_read raises it again */
    }
    return term_read(t, term);
}

/* table[term] for the C loops: an exact str found at this epoch is read inline. */
static inline double term_table_idf(PyObject *table, PyObject *term) {
    TermTable *t = (TermTable *)table;
    Py_hash_t hash = PyUnicode_CheckExact(term) ? ((PyASCIIObject *)term)->hash : -1;
    if (hash != -1) {
        Py_ssize_t empty;
        TermEntry *e = term_find_str(t, term, hash, &empty);
        if (e != NULL) {
            return e->epoch == t->epoch ? e->idf : term_refresh(t, term, e);
        }
        if (empty >= 0 && term_fits(t)) { /* a term never met: put where the search ended */
            return term_refresh(t, term, term_put(t, term, hash, empty));
        }
    }
    return term_read(t, term);
}

static inline uint64_t term_table_version(PyObject *table) {
    return ((TermTable *)table)->version;
}

/* Adds ``more`` documents to the count of the entry at place ``at`` (a key counted first
 * comes last in ``counted``, as in a Counter); -1 with an exception set. */
static int term_count_up(TermTable *t, Py_ssize_t at, int64_t more) {
    TermEntry *e = &t->slots[at];
    if (e->count == 0) {
        if (t->counted_n == t->counted_room) {
            Py_ssize_t room = t->counted_room < 64 ? 64 : t->counted_room * 2;
            Py_ssize_t *counted = PyMem_Realloc(t->counted, sizeof(Py_ssize_t) * (size_t)room);
            if (counted == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            t->counted = counted;
            t->counted_room = room;
        }
        e->count_rank = t->counted_n;
        t->counted[t->counted_n++] = at;
    }
    e->count += more;
    return 0;
}

/* count_terms into the table: each term of the dicts ``bags`` counted once (a term met in
 * an earlier bag, or earlier in this one, is not counted again: the counting's stamp),
 * in the order first met; -1 with an exception set. */
static int term_count_bags(TermTable *t, PyObject *const *bags, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyDict_Check(bags[i])) {
            PyErr_SetString(PyExc_TypeError, "count_terms: the bags must be dicts");
            return -1;
        }
    }
    uint64_t stamp = ++t->stamp;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *bag = bags[i], *term, *weight;
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(bag);
        while (dict_next(bag, &pos, &term, &weight)) {
            Py_hash_t hash = PyUnicode_CheckExact(term) ? ((PyASCIIObject *)term)->hash : -1;
            /* most terms are counted before: found inline (a new one put where the search ended) */
            Py_ssize_t empty = -1;
            TermEntry *e = hash != -1 ? term_find_str(t, term, hash, &empty) : NULL;
            if (e == NULL && empty >= 0 && term_fits(t)) {
                e = term_put(t, term, hash, empty);
            }
            if (e != NULL) {
                if (e->stamp != stamp) {
                    e->stamp = stamp;
                    if (e->count > 0) {
                        e->count++;
                    } else if (term_count_up(t, e - t->slots, 1) < 0) { /* first counted */
                        return -1;
                    }
                }
                continue;
            }
            if (hash == -1 && (hash = PyObject_Hash(term)) == -1) {
                return -1;
            }
            Py_INCREF(term); /* held: a key's __eq__ may take it out of its bag */
            e = term_entry(t, term, hash);
            int status = e == NULL ? -1 : 0;
            if (e != NULL && e->stamp != stamp) {
                e->stamp = stamp;
                status = term_count_up(t, e - t->slots, 1);
            }
            Py_DECREF(term);
            if (status < 0) {
                return -1;
            }
            if (PyDict_GET_SIZE(bag) != size) {
                PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
                return -1;
            }
        }
    }
    return 0;
}

/* ---- TermTable for Python: a mapping of the terms with a weight at this epoch ---- */

static PyObject *TermTable_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *owner;
    if (!PyArg_ParseTuple(args, "O:TermTable", &owner)) {
        return NULL;
    }
    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "TermTable takes no keyword arguments");
        return NULL;
    }
    TermTable *t = (TermTable *)type->tp_alloc(type, 0);
    if (t == NULL) {
        return NULL;
    }
    t->slots = PyMem_Calloc(TERM_TABLE_MIN, sizeof(TermEntry));
    if (t->slots == NULL) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    t->mask = TERM_TABLE_MIN - 1;
    t->owner = Py_NewRef(owner);
    t->epoch = 1;
    t->version = ++term_table_versions;
    return (PyObject *)t;
}

/* Lets go of the keys and the owner (the table is left empty, still usable). */
static int TermTable_clear_refs(TermTable *t) {
    Py_CLEAR(t->owner);
    if (t->slots != NULL) {
        for (size_t k = 0; k <= t->mask; k++) {
            Py_CLEAR(t->slots[k].key);
            t->slots[k].epoch = 0;
            t->slots[k].count = 0;
        }
    }
    t->used = t->live = t->order_n = t->counted_n = 0;
    t->version = ++term_table_versions;
    t->layout++;
    return 0;
}

static int TermTable_traverse(TermTable *t, visitproc visit, void *arg) {
    Py_VISIT(t->owner);
    if (t->slots != NULL) {
        for (size_t k = 0; k <= t->mask; k++) {
            PyObject *key = t->slots[k].key;
            if (key != NULL && !PyUnicode_CheckExact(key)) { /* a str refers to nothing */
                Py_VISIT(key);
            }
        }
    }
    return 0;
}

static void TermTable_dealloc(TermTable *t) {
    PyObject_GC_UnTrack(t);
    TermTable_clear_refs(t);
    PyMem_Free(t->slots);
    PyMem_Free(t->order);
    PyMem_Free(t->counted);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static Py_ssize_t TermTable_length(TermTable *t) {
    return t->live;
}

static PyObject *TermTable_subscript(TermTable *t, PyObject *term) {
    double value = term_read(t, term);
    return FAILED(value) ? NULL : PyFloat_FromDouble(value);
}

/* The entry of ``term`` holding a weight at this epoch, or NULL (*failed set where an
 * exception is). */
static TermEntry *term_live(TermTable *t, PyObject *term, int *failed) {
    *failed = 1;
    Py_hash_t hash = PyObject_Hash(term);
    if (hash == -1) {
        return NULL;
    }
    int found;
    Py_INCREF(term);
    Py_ssize_t at = term_place(t, term, hash, &found);
    Py_DECREF(term);
    if (at < 0) {
        return NULL;
    }
    *failed = 0;
    return found && t->slots[at].epoch == t->epoch ? &t->slots[at] : NULL;
}

/* table[term] = value pins the weight at this epoch; del table[term] drops it (read again
 * the next time). */
static int TermTable_ass_subscript(TermTable *t, PyObject *term, PyObject *value) {
    if (value == NULL) {
        int failed;
        TermEntry *e = term_live(t, term, &failed);
        if (e == NULL) {
            if (!failed) {
                PyErr_SetObject(PyExc_KeyError, term);
            }
            return -1;
        }
        e->epoch = 0;
        t->live--;
        t->version = ++term_table_versions;
        return 0;
    }
    double weight = PyFloat_AsDouble(value);
    if (FAILED(weight)) {
        return -1;
    }
    Py_hash_t hash = PyObject_Hash(term);
    if (hash == -1) {
        return -1;
    }
    Py_INCREF(term);
    TermEntry *e = term_entry(t, term, hash);
    Py_DECREF(term);
    if (e == NULL) {
        return -1;
    }
    if (term_valued(t, e - t->slots, weight) < 0) {
        return -1;
    }
    t->version = ++term_table_versions;
    return 0;
}

static int TermTable_contains(TermTable *t, PyObject *term) {
    int failed;
    TermEntry *e = term_live(t, term, &failed);
    return e != NULL ? 1 : failed ? -1 : 0;
}

/* The terms (what 0), weights (1) or (term, weight) pairs (2) at this epoch, in a list. */
static PyObject *term_list(TermTable *t, int what) {
    PyObject *out = PyList_New(0);
    for (Py_ssize_t k = 0; out != NULL && k < t->order_n; k++) {
        TermEntry *e = &t->slots[t->order[k]];
        if (e->key == NULL || e->epoch != t->epoch || e->rank != k) {
            continue;
        }
        PyObject *item = what == 0   ? Py_NewRef(e->key)
                         : what == 1 ? PyFloat_FromDouble(e->idf)
                                     : Py_BuildValue("(Od)", e->key, e->idf);
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(item);
    }
    return out;
}

static PyObject *TermTable_keys(TermTable *t, PyObject *unused) {
    return term_list(t, 0);
}

static PyObject *TermTable_values(TermTable *t, PyObject *unused) {
    return term_list(t, 1);
}

static PyObject *TermTable_items(TermTable *t, PyObject *unused) {
    return term_list(t, 2);
}

static PyObject *TermTable_iter(TermTable *t) {
    PyObject *keys = term_list(t, 0);
    PyObject *out = keys == NULL ? NULL : PyObject_GetIter(keys);
    Py_XDECREF(keys);
    return out;
}

/* A dict of the terms with a weight at this epoch. */
static PyObject *term_dict(TermTable *t) {
    PyObject *out = PyDict_New();
    for (Py_ssize_t k = 0; out != NULL && k < t->order_n; k++) {
        TermEntry *e = &t->slots[t->order[k]];
        if (e->key == NULL || e->epoch != t->epoch || e->rank != k) {
            continue;
        }
        PyObject *value = PyFloat_FromDouble(e->idf);
        if (value == NULL || PyDict_SetItem(out, e->key, value) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(value);
    }
    return out;
}

static PyObject *TermTable_copy(TermTable *t, PyObject *unused) {
    return term_dict(t);
}

static PyObject *TermTable_get(TermTable *t, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get takes 1 or 2 arguments");
        return NULL;
    }
    int failed;
    TermEntry *e = term_live(t, args[0], &failed);
    if (e != NULL) {
        return PyFloat_FromDouble(e->idf);
    }
    return failed ? NULL : Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

/* A new epoch: every weight is read again (from the counts of then) at its next read. */
static PyObject *TermTable_clear(TermTable *t, PyObject *unused) {
    t->epoch++;
    t->version = ++term_table_versions;
    t->live = t->order_n = 0;
    Py_RETURN_NONE;
}

static PyObject *TermTable_update(TermTable *t, PyObject *other) {
    PyObject *items = PyDict_Check(other) ? PyDict_Items(other) : PyMapping_Items(other);
    if (items == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(items); k++) {
        PyObject *pair = PyList_GET_ITEM(items, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
                || TermTable_ass_subscript(t, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "update: items must be pairs");
            }
            Py_DECREF(items);
            return NULL;
        }
    }
    Py_DECREF(items);
    Py_RETURN_NONE;
}

static PyObject *TermTable_richcompare(PyObject *a, PyObject *b, int op) {
    if ((op != Py_EQ && op != Py_NE) || !Py_IS_TYPE(a, &TermTableType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    PyObject *mine = term_dict((TermTable *)a);
    if (mine == NULL) {
        return NULL;
    }
    PyObject *theirs = Py_IS_TYPE(b, &TermTableType) ? term_dict((TermTable *)b) : Py_NewRef(b);
    PyObject *out = theirs == NULL ? NULL : PyObject_RichCompare(mine, theirs, op);
    Py_DECREF(mine);
    Py_XDECREF(theirs);
    return out;
}

static PyObject *TermTable_repr(TermTable *t) {
    PyObject *mine = term_dict(t);
    PyObject *out = mine == NULL ? NULL : PyUnicode_FromFormat("TermTable(%R)", mine);
    Py_XDECREF(mine);
    return out;
}

static PyObject *TermTable_get_epoch(TermTable *t, void *unused) {
    return PyLong_FromUnsignedLongLong(t->epoch);
}

static PyObject *TermTable_get_version(TermTable *t, void *unused) {
    return PyLong_FromUnsignedLongLong(t->version);
}

static PyObject *TermTable_get_owner(TermTable *t, void *unused) {
    return Py_NewRef(t->owner != NULL ? t->owner : Py_None);
}

static PyObject *TermTable_get_counts(TermTable *t, void *unused) {
    TermCounts *view = PyObject_GC_New(TermCounts, &TermCountsType);
    if (view == NULL) {
        return NULL;
    }
    view->table = (TermTable *)Py_NewRef(t);
    PyObject_GC_Track(view);
    return (PyObject *)view;
}

static PyGetSetDef TermTable_getset[] = {
    {"counts", (getter)TermTable_get_counts, NULL, "the document counts the table keeps (a TermCounts)", NULL},
    {"epoch", (getter)TermTable_get_epoch, NULL, "the epoch weights are read at (clear() starts the next)", NULL},
    {"version", (getter)TermTable_get_version, NULL, "changes whenever a read could give another value", NULL},
    {"owner", (getter)TermTable_get_owner, NULL, "the DocumentFrequencies whose n and df a read takes", NULL},
    {NULL},
};

static PyMethodDef TermTable_methods[] = {
    {"get", (PyCFunction)(void (*)(void))TermTable_get, METH_FASTCALL, "the weight at this epoch, else default"},
    {"keys", (PyCFunction)TermTable_keys, METH_NOARGS, "the terms with a weight at this epoch (a list)"},
    {"values", (PyCFunction)TermTable_values, METH_NOARGS, "their weights (a list)"},
    {"items", (PyCFunction)TermTable_items, METH_NOARGS, "(term, weight) pairs at this epoch (a list)"},
    {"copy", (PyCFunction)TermTable_copy, METH_NOARGS, "a dict of the weights at this epoch"},
    {"clear", (PyCFunction)TermTable_clear, METH_NOARGS, "a new epoch: each weight read again"},
    {"update", (PyCFunction)TermTable_update, METH_O, "pins each weight of a mapping at this epoch"},
    {NULL},
};

static PyMappingMethods TermTable_as_mapping = {
    .mp_length = (lenfunc)TermTable_length,
    .mp_subscript = (binaryfunc)TermTable_subscript,
    .mp_ass_subscript = (objobjargproc)TermTable_ass_subscript,
};

static PySequenceMethods TermTable_as_sequence = {
    .sq_contains = (objobjproc)TermTable_contains,
};

PyDoc_STRVAR(TermTable_doc,
"TermTable(owner)\n\n"
"IDF weights of terms, read from owner.n and owner.df (a DocumentFrequencies) at the\n"
"first read of each epoch, as features._IdfCache computes them: table[term] gives the\n"
"weight (computed where it has none at this epoch); clear() starts a new epoch;\n"
"table[term] = w pins a weight. As a mapping it holds the terms with a weight at this\n"
"epoch (get, in, len, keys, values, items, iteration read nothing).");

static PyTypeObject TermTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "storyline._speedups.TermTable",
    .tp_basicsize = sizeof(TermTable),
    .tp_dealloc = (destructor)TermTable_dealloc,
    .tp_repr = (reprfunc)TermTable_repr,
    .tp_as_sequence = &TermTable_as_sequence,
    .tp_as_mapping = &TermTable_as_mapping,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = TermTable_doc,
    .tp_traverse = (traverseproc)TermTable_traverse,
    .tp_clear = (inquiry)TermTable_clear_refs,
    .tp_richcompare = TermTable_richcompare,
    .tp_iter = (getiterfunc)TermTable_iter,
    .tp_methods = TermTable_methods,
    .tp_getset = TermTable_getset,
    .tp_new = TermTable_new,
};

/* ---- TermCounts: the table's document counts for Python (DocumentFrequencies.df where
 * compiled), a mapping of the counted terms as a Counter holds them: missing terms count
 * 0, update(iterable) counts each item once more (Counter.update of an iterable) ---- */

static int TermCounts_traverse(TermCounts *c, visitproc visit, void *arg) {
    Py_VISIT(c->table);
    return 0;
}

static int TermCounts_clear_refs(TermCounts *c) {
    Py_CLEAR(c->table);
    return 0;
}

static void TermCounts_dealloc(TermCounts *c) {
    PyObject_GC_UnTrack(c);
    Py_CLEAR(c->table);
    PyObject_GC_Del(c);
}

/* The table of a view not cleared by the collector; NULL with an exception set. */
static TermTable *counts_table(TermCounts *c) {
    if (c->table == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "TermCounts: no table");
    }
    return c->table;
}

static Py_ssize_t TermCounts_length(TermCounts *c) {
    return c->table == NULL ? 0 : c->table->counted_n;
}

/* The count of ``term`` (0 where never counted); -1 with an exception set. */
static int64_t term_count_of(TermTable *t, PyObject *term) {
    Py_hash_t hash = PyObject_Hash(term);
    if (hash == -1) {
        return -1;
    }
    int found;
    Py_INCREF(term);
    Py_ssize_t at = term_place(t, term, hash, &found);
    Py_DECREF(term);
    return at < 0 ? -1 : found ? t->slots[at].count : 0;
}

static PyObject *TermCounts_subscript(TermCounts *c, PyObject *term) {
    TermTable *t = counts_table(c);
    int64_t count = t == NULL ? -1 : term_count_of(t, term);
    return count < 0 ? NULL : PyLong_FromLongLong(count);
}

static int TermCounts_contains(TermCounts *c, PyObject *term) {
    TermTable *t = counts_table(c);
    int64_t count = t == NULL ? -1 : term_count_of(t, term);
    return count < 0 ? -1 : count > 0;
}

static PyObject *TermCounts_get(TermCounts *c, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get takes 1 or 2 arguments");
        return NULL;
    }
    TermTable *t = counts_table(c);
    int64_t count = t == NULL ? -1 : term_count_of(t, args[0]);
    if (count < 0) {
        return NULL;
    }
    return count > 0 ? PyLong_FromLongLong(count) : Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

/* The counted terms (what 0), counts (1) or (term, count) pairs (2), in a list. */
static PyObject *counts_list(TermCounts *c, int what) {
    TermTable *t = counts_table(c);
    PyObject *out = t == NULL ? NULL : PyList_New(t->counted_n);
    for (Py_ssize_t k = 0; out != NULL && k < t->counted_n; k++) {
        TermEntry *e = &t->slots[t->counted[k]];
        PyObject *item = what == 0   ? Py_NewRef(e->key)
                         : what == 1 ? PyLong_FromLongLong(e->count)
                                     : Py_BuildValue("(OL)", e->key, (long long)e->count);
        if (item == NULL) {
            Py_CLEAR(out);
        } else {
            PyList_SET_ITEM(out, k, item);
        }
    }
    return out;
}

static PyObject *TermCounts_keys(TermCounts *c, PyObject *unused) {
    return counts_list(c, 0);
}

static PyObject *TermCounts_values(TermCounts *c, PyObject *unused) {
    return counts_list(c, 1);
}

static PyObject *TermCounts_items(TermCounts *c, PyObject *unused) {
    return counts_list(c, 2);
}

static PyObject *TermCounts_iter(TermCounts *c) {
    PyObject *keys = counts_list(c, 0);
    PyObject *out = keys == NULL ? NULL : PyObject_GetIter(keys);
    Py_XDECREF(keys);
    return out;
}

/* A dict of the counts. */
static PyObject *counts_dict(TermCounts *c) {
    PyObject *items = counts_list(c, 2);
    PyObject *out = items == NULL ? NULL : PyDict_New();
    for (Py_ssize_t k = 0; out != NULL && k < PyList_GET_SIZE(items); k++) {
        PyObject *pair = PyList_GET_ITEM(items, k);
        if (PyDict_SetItem(out, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(items);
    return out;
}

static PyObject *TermCounts_copy(TermCounts *c, PyObject *unused) {
    return counts_dict(c);
}

/* Counter.update of an iterable: each item counted once more (the pure-Python count_terms
 * counts so); a mapping is refused (Counter would add its values). */
static PyObject *TermCounts_update(TermCounts *c, PyObject *items) {
    TermTable *t = counts_table(c);
    if (t == NULL) {
        return NULL;
    }
    if (PyDict_Check(items) || Py_IS_TYPE(items, &TermCountsType)) {
        PyErr_SetString(PyExc_TypeError, "TermCounts.update counts the items of an iterable, not a mapping");
        return NULL;
    }
    PyObject *iterator = PyObject_GetIter(items), *term;
    if (iterator == NULL) {
        return NULL;
    }
    while ((term = PyIter_Next(iterator)) != NULL) {
        Py_hash_t hash = PyObject_Hash(term);
        TermEntry *e = hash == -1 ? NULL : term_entry(t, term, hash);
        int status = e == NULL ? -1 : term_count_up(t, e - t->slots, 1);
        Py_DECREF(term);
        if (status < 0) {
            Py_DECREF(iterator);
            return NULL;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *TermCounts_richcompare(PyObject *a, PyObject *b, int op) {
    if ((op != Py_EQ && op != Py_NE) || !Py_IS_TYPE(a, &TermCountsType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    PyObject *mine = counts_dict((TermCounts *)a);
    if (mine == NULL) {
        return NULL;
    }
    PyObject *theirs = Py_IS_TYPE(b, &TermCountsType) ? counts_dict((TermCounts *)b) : Py_NewRef(b);
    PyObject *out = theirs == NULL ? NULL : PyObject_RichCompare(mine, theirs, op);
    Py_DECREF(mine);
    Py_XDECREF(theirs);
    return out;
}

static PyObject *TermCounts_repr(TermCounts *c) {
    PyObject *mine = counts_dict(c);
    PyObject *out = mine == NULL ? NULL : PyUnicode_FromFormat("TermCounts(%R)", mine);
    Py_XDECREF(mine);
    return out;
}

static PyObject *TermCounts_get_table(TermCounts *c, void *unused) {
    return Py_NewRef(c->table != NULL ? (PyObject *)c->table : Py_None);
}

static PyGetSetDef TermCounts_getset[] = {
    {"table", (getter)TermCounts_get_table, NULL, "the TermTable that keeps the counts", NULL},
    {NULL},
};

static PyMethodDef TermCounts_methods[] = {
    {"get", (PyCFunction)(void (*)(void))TermCounts_get, METH_FASTCALL, "the count, else default (never 0)"},
    {"keys", (PyCFunction)TermCounts_keys, METH_NOARGS, "the counted terms in the order first counted (a list)"},
    {"values", (PyCFunction)TermCounts_values, METH_NOARGS, "their counts (a list)"},
    {"items", (PyCFunction)TermCounts_items, METH_NOARGS, "(term, count) pairs (a list)"},
    {"copy", (PyCFunction)TermCounts_copy, METH_NOARGS, "a dict of the counts"},
    {"update", (PyCFunction)TermCounts_update, METH_O, "each item of an iterable counted once more"},
    {NULL},
};

static PyMappingMethods TermCounts_as_mapping = {
    .mp_length = (lenfunc)TermCounts_length,
    .mp_subscript = (binaryfunc)TermCounts_subscript,
};

static PySequenceMethods TermCounts_as_sequence = {
    .sq_contains = (objobjproc)TermCounts_contains,
};

PyDoc_STRVAR(TermCounts_doc,
"The document counts of a TermTable (TermTable.counts): term -> the number of documents\n"
"counted with it, as a Counter holds them (0 for a term never counted); counted by\n"
"count_terms and update(iterable), never lowered.");

static PyTypeObject TermCountsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "storyline._speedups.TermCounts",
    .tp_basicsize = sizeof(TermCounts),
    .tp_dealloc = (destructor)TermCounts_dealloc,
    .tp_repr = (reprfunc)TermCounts_repr,
    .tp_as_sequence = &TermCounts_as_sequence,
    .tp_as_mapping = &TermCounts_as_mapping,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = TermCounts_doc,
    .tp_traverse = (traverseproc)TermCounts_traverse,
    .tp_clear = (inquiry)TermCounts_clear_refs,
    .tp_richcompare = TermCounts_richcompare,
    .tp_iter = (getiterfunc)TermCounts_iter,
    .tp_methods = TermCounts_methods,
    .tp_getset = TermCounts_getset,
};
