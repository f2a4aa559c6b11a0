/* bookkeeping.c: the stream's bookkeeping: StoryFeatures.add's sums of bags (add_bags),
 * term counts (count_terms) and the rankings of terms and stories (best_terms, best_of)
 * (references in storyline/cluster/_sparse.py; StoryFeatures in
 * storyline/cluster/features.py). Uses common.c and bags.c (add_term, add_terms). */

/* ---- The stream's bookkeeping: StoryFeatures.add's sums (storyline/cluster/features.py)
 * and the rankings of terms and stories; references in storyline/cluster/_sparse.py. ---- */

/* The ``count`` best of ``n`` scores (score k a double at base + k * stride) into
 * ``order``, best first, ties in their order: sorted(range(n), key=score,
 * reverse=True)[:count], as Python's stable sort gives it. Each score is inserted after
 * the kept ones it does not beat (count * n steps at most: the callers keep few). */
#define SCORE(k) (*(const double *)(base + (size_t)(k) * stride))

/* best_of by Python's own sort: sorted(range(n), key=scores.__getitem__, reverse=True)[:count]
 * of the scores as floats, for scores with a NaN, which compares false both ways (the order
 * the sort then gives is its algorithm's). 0, or -1 with an exception set. */
static int sorted_order(const char *base, size_t stride, Py_ssize_t n, Py_ssize_t count, Py_ssize_t *order) {
    PyObject *scores = PyList_New(n), *indices = PyList_New(n), *key = NULL, *args = NULL, *kwargs = NULL;
    PyObject *ranked = NULL;
    int status = -1;
    if (scores == NULL || indices == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *score = PyFloat_FromDouble(SCORE(i)), *index = PyLong_FromSsize_t(i);
        if (score == NULL || index == NULL) {
            Py_XDECREF(score);
            Py_XDECREF(index);
            goto done;
        }
        PyList_SET_ITEM(scores, i, score);
        PyList_SET_ITEM(indices, i, index);
    }
    PyObject *sorted = PyDict_GetItemString(PyEval_GetBuiltins(), "sorted"); /* borrowed */
    key = PyObject_GetAttrString(scores, "__getitem__");
    args = key == NULL ? NULL : PyTuple_Pack(1, indices);
    kwargs = args == NULL ? NULL : Py_BuildValue("{sOsO}", "key", key, "reverse", Py_True);
    if (sorted == NULL || kwargs == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "no builtin sorted");
        }
        goto done;
    }
    ranked = PyObject_Call(sorted, args, kwargs);
    if (ranked == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        order[i] = PyLong_AsSsize_t(PyList_GET_ITEM(ranked, i));
    }
    status = 0;
done:
    Py_XDECREF(scores);
    Py_XDECREF(indices);
    Py_XDECREF(key);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_XDECREF(ranked);
    return status;
}

static int best_of(const char *base, size_t stride, Py_ssize_t n, Py_ssize_t count, Py_ssize_t *order) {
    for (Py_ssize_t i = 0; i < n && count > 0; i++) {
        if (isnan(SCORE(i))) {
            return sorted_order(base, stride, n, count < n ? count : n, order);
        }
    }
    Py_ssize_t filled = 0;
    for (Py_ssize_t i = 0; i < n && count > 0; i++) {
        double score = SCORE(i);
        Py_ssize_t at;
        if (filled < count) {
            at = filled++;
        } else if (SCORE(order[count - 1]) < score) {
            at = count - 1;
        } else {
            continue;
        }
        while (at > 0 && SCORE(order[at - 1]) < score) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    return 0;
}
#undef SCORE

/* norms[name] = math.sqrt(squared) or 1.0; -1 with an exception set on failure. */
static int set_norm(PyObject *norms, PyObject *name, double squared) {
    if (squared < 0) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        return -1;
    }
    double root = sqrt(squared);
    PyObject *value = PyFloat_FromDouble(root == 0.0 ? 1.0 : root);
    int done = value == NULL ? -1 : PyDict_SetItem(norms, name, value);
    Py_XDECREF(value);
    return done;
}

/* The version of a dict where it is unique to its contents (CPython 3.11: a global
 * counter that each change of any dict advances), else 0. */
static inline uint64_t dict_version(PyObject *dict) {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    return ((PyDictObject *)dict)->ma_version_tag;
#else
    return 0;
#endif
}

/* Whether ``idf``'s weights change only where a read finds none (no Python code of its own
 * runs): a plain dict, the clusterer's cache (a miss adds its own) or the table. */
static inline int idf_settled(PyObject *idf) {
    return PyDict_CheckExact(idf) || Py_TYPE(idf) == idf_cache_type || is_term_table(idf);
}

/* The version of IDF weights: the table's (never one a dict or another table has), else
 * the dict's (0 where none). */
static inline uint64_t idf_version(PyObject *idf) {
    return is_term_table(idf) ? term_table_version(idf) : dict_version(idf);
}

/* set_norm where the norm read before (``held``, a new reference, released here, read
 * from ``norms`` at ``version``) is updated in place when only ``norms``, under ``name``,
 * and this call hold it: no one can see it change, and no new float is made and
 * inserted. Where norms has the version it had then, it holds the norm still. */
static int update_norm(PyObject *norms, PyObject *name, PyObject *held, uint64_t version, double squared) {
    int done;
    if (squared >= 0 && PyFloat_CheckExact(held) && Py_REFCNT(held) == 2
            && ((version != 0 && dict_version(norms) == version) || dict_get_str(norms, name) == held)) {
        double root = sqrt(squared);
        ((PyFloatObject *)held)->ob_fval = root == 0.0 ? 1.0 : root;
        done = 0;
    } else {
        done = PyErr_Occurred() ? -1 : set_norm(norms, name, squared);
    }
    Py_DECREF(held);
    return done;
}

/* norms.pop(name, None); -1 with an exception set on failure. */
static int drop_norm(PyObject *norms, PyObject *name) {
    if (PyDict_GET_SIZE(norms) == 0) {
        return 0; /* nothing to drop (a new story's norms): no lookup */
    }
    PyObject *held = dict_get_str(norms, name);
    return held == NULL ? (PyErr_Occurred() ? -1 : 0) : PyDict_DelItem(norms, name);
}

/* The cached norm to update while adding into the bag ``name``: 1 with *squared set to
 * its square and *held to the norm (a new reference, for update_norm) where ``idf`` is a
 * dict and norms holds one, 0 where not, -1 on failure. */
static int live_norm(PyObject *norms, PyObject *idf, PyObject *name, double *squared, PyObject **held,
                     uint64_t *version) {
    *held = NULL;
    *version = 0;
    if (idf == Py_None) {
        return 0;
    }
    PyObject *norm = dict_get_str(norms, name);
    if (norm == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_INCREF(norm); /* held while it converts, and until update_norm */
    double value = PyFloat_AsDouble(norm);
    if (FAILED(value)) {
        Py_DECREF(norm);
        return -1;
    }
    *squared = value * value;
    *held = norm;
    *version = dict_version(norms); /* after the conversion: its Python code may change norms */
    return 1;
}

/* One entity kind's bag while add_bags splits the entities; a two-character kind (all
 * of the clusterer's) is also known by its characters. */
typedef struct {
    PyObject *kind, *bag, *norm; /* norm: live_norm's (NULL where not live) */
    uint64_t version;
    int live, two_chars;
    Py_UCS4 first, second;
    double squared;
} KindPart;

/* The first two characters of a str of two or more (its kind and data read once, inline). */
static inline void first_two_chars(PyObject *s, Py_UCS4 *first, Py_UCS4 *second) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    *first = PyUnicode_READ(kind, data, 0);
    *second = PyUnicode_READ(kind, data, 1);
}

/* The kind of ``split`` that a str term of two or more characters opens with, by its
 * characters (no slice made), or NULL. */
static KindPart *kind_by_chars(KindPart *split, Py_ssize_t used, PyObject *term) {
    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2) {
        return NULL;
    }
    Py_UCS4 first, second;
    first_two_chars(term, &first, &second);
    for (Py_ssize_t k = 0; k < used; k++) {
        if (split[k].two_chars && split[k].first == first && split[k].second == second) {
            return &split[k];
        }
    }
    return NULL;
}

/* The key of ``kinds`` that a str term opens with, found by its first two characters
 * among the exact str keys of two (no slice made, no hash computed), its bag into
 * *bag; NULL where none is found so (the slice then finds the kind, or fails as the
 * reference fails). */
static PyObject *kind_key_by_chars(PyObject *kinds, PyObject *term, PyObject **bag) {
    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2) {
        return NULL;
    }
    Py_UCS4 first, second, key_first, key_second;
    first_two_chars(term, &first, &second);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (dict_next(kinds, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key) || PyUnicode_GET_LENGTH(key) != 2) {
            continue;
        }
        first_two_chars(key, &key_first, &key_second);
        if (key_first == first && key_second == second) {
            *bag = value;
            return key;
        }
    }
    return NULL;
}

PyDoc_STRVAR(add_bags_doc,
"add_bags(norms, idf, names, bags, parts, kinds, entities) -> None\n\n"
"StoryFeatures.add's sums: each non-empty parts[i] added into bags[i] (tuples as long as\n"
"``names``), then ``entities`` split by their two-character kind prefix into the bags of\n"
"``kinds``. With ``idf`` a dict, each bag's norm that ``norms`` caches under its name (or\n"
"kind) is updated term by term as add_into updates it; else it is dropped.");

/* Room on the stack for the IDF weights that add_bags_of keeps (a part added twice, and
 * the entities, split by kind after): a part with more terms takes its own. */
#define MEMO_ROOM 256

/* add_bags of ``n`` names, bags and parts (a dict ``norms``, ``idf`` a dict or None, dicts
 * ``kinds`` and ``entities``); -1 with an exception set. */
static int add_bags_of(PyObject *norms, PyObject *idf, Py_ssize_t n, PyObject *const *names, PyObject *const *bags,
                       PyObject *const *parts, PyObject *kinds, PyObject *entities) {
    if (idf != Py_None && !idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "add_bags: idf must be a dict or None");
        return -1;
    }
    /* a part added into two bags with live norms (StoryFeatures.add adds the title and
     * the body twice; the entities once whole, then split by kind) reads its terms' IDF
     * weights once, where no Python code can change a stored weight between (a plain
     * dict, or the clusterer's cache: a miss adds its own) */
    int memo_safe = idf != Py_None && idf_settled(idf);
    IdfMemo memos[8] = {{NULL, 0, 0, 0}};
    double *owned[8] = {NULL}; /* the memos' weights not in room */
    double room[MEMO_ROOM];
    Py_ssize_t room_used = 0;
    IdfMemo *entity_memo = NULL; /* the entities' weights, where kept */
    int out = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = names[i], *bag = bags[i], *part = parts[i];
        if (!(PyDict_Check(bag) || is_term_bag(bag)) || !PyDict_Check(part)) {
            PyErr_SetString(PyExc_TypeError, "add_bags: bags must be dicts or TermBags, parts dicts");
            goto memos_done;
        }
        if (PyDict_GET_SIZE(part) == 0) {
            continue; /* a headline's body, say: bag and norm stay as they are */
        }
        double squared = 0.0;
        PyObject *norm;
        uint64_t version = 0;
        int live = live_norm(norms, idf, name, &squared, &norm, &version);
        if (live < 0) {
            goto memos_done;
        }
        IdfMemo *memo = NULL;
        for (Py_ssize_t j = 0; j < i && j < 8 && live && memo_safe && memo == NULL; j++) {
            if (parts[j] == part && memos[j].known && memos[j].size == PyDict_GET_SIZE(part)) {
                memo = &memos[j];
                memo->at = 0;
            }
        }
        int again = part == entities; /* split by kind below */
        for (Py_ssize_t k = i + 1; k < n && !again; k++) {
            again = parts[k] == part;
        }
        if (again && i < 8 && live && memo_safe && memo == NULL) { /* its weights kept */
            memo = &memos[i];
            memo->size = PyDict_GET_SIZE(part);
            if (room_used + memo->size <= MEMO_ROOM) {
                memo->weights = room + room_used;
                room_used += memo->size;
            } else if ((memo->weights = owned[i] = PyMem_Malloc((size_t)memo->size * sizeof(double))) == NULL) {
                Py_DECREF(norm);
                PyErr_NoMemory();
                goto memos_done;
            }
        }
        if (add_terms(bag, part, live ? idf : NULL, live ? &squared : NULL, memo) < 0) {
            Py_XDECREF(norm);
            goto memos_done;
        }
        if (memo != NULL) {
            memo->known = 1;
            if (part == entities) {
                entity_memo = memo;
            }
        }
        if ((live ? update_norm(norms, name, norm, version, squared) : drop_norm(norms, name)) < 0) {
            goto memos_done;
        }
    }
    Py_ssize_t size = PyDict_GET_SIZE(entities);
    if (size == 0) {
        out = 0;
        goto memos_done;
    }
    /* the entities' weights as kept, where they are still the same terms */
    if (entity_memo != NULL && entity_memo->size != size) {
        entity_memo = NULL;
    }
    /* each kind's terms in entity order, its norm updated over them alone: what adding
     * the split-off bags one after another does */
    KindPart few[16]; /* most articles name fewer entities: no allocation */
    KindPart *split = size <= 16 ? few : PyMem_Malloc((size_t)size * sizeof(KindPart));
    if (split == NULL) {
        PyErr_NoMemory();
        goto memos_done;
    }
    Py_ssize_t used = 0, pos = 0, seen = 0;
    PyObject *term, *value;
    /* the ``size`` entities split at the start, as the reference splits them before it
     * adds: entities that Python code run here adds (an IDF's __missing__) are not, and
     * there are no more kinds than ``split`` has room for */
    while (seen < size && dict_next(entities, &pos, &term, &value)) {
        KindPart *at = kind_by_chars(split, used, term);
        PyObject *bag = NULL;
        /* a kind found by its characters is none of split's: kind_by_chars finds those */
        PyObject *kind = at == NULL ? Py_XNewRef(kind_key_by_chars(kinds, term, &bag)) : NULL;
        if (at == NULL && kind == NULL && (kind = PySequence_GetSlice(term, 0, 2)) == NULL) {
            goto done;
        }
        for (Py_ssize_t k = 0; k < used && at == NULL && bag == NULL; k++) {
            int same = PyObject_RichCompareBool(kind, split[k].kind, Py_EQ);
            if (same < 0) {
                Py_DECREF(kind);
                goto done;
            }
            at = same ? &split[k] : NULL;
        }
        if (at == NULL) {
            bag = bag != NULL ? bag : PyDict_GetItemWithError(kinds, kind);
            if (bag == NULL || !is_bag(bag)) {
                if (bag != NULL) {
                    PyErr_SetString(PyExc_TypeError, "add_bags: the kinds' bags must be dicts or TermBags");
                } else if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, kind);
                }
                Py_DECREF(kind);
                goto done;
            }
            at = &split[used++];
            at->kind = kind;
            at->bag = Py_NewRef(bag);
            at->two_chars = PyUnicode_Check(kind) && PyUnicode_GET_LENGTH(kind) == 2;
            if (at->two_chars) {
                first_two_chars(kind, &at->first, &at->second);
            }
            at->live = live_norm(norms, idf, kind, &at->squared, &at->norm, &at->version);
            if (at->live < 0) {
                goto done;
            }
        } else {
            Py_XDECREF(kind);
        }
        IdfMemo *memo = at->live ? entity_memo : NULL;
        if (memo != NULL) {
            memo->at = seen; /* this entity's weight */
        }
        seen++;
        if (add_term(at->bag, term, value, at->live ? idf : NULL, at->live ? &at->squared : NULL, memo) < 0) {
            goto done;
        }
    }
    out = 0;
    for (Py_ssize_t k = 0; k < used && out == 0; k++) {
        PyObject *norm = split[k].norm;
        split[k].norm = NULL; /* released by update_norm */
        if ((split[k].live ? update_norm(norms, split[k].kind, norm, split[k].version, split[k].squared)
                           : drop_norm(norms, split[k].kind)) < 0) {
            out = -1;
        }
    }
done:
    for (Py_ssize_t k = 0; k < used; k++) {
        Py_DECREF(split[k].kind);
        Py_DECREF(split[k].bag);
        Py_XDECREF(split[k].norm);
    }
    if (split != few) {
        PyMem_Free(split);
    }
memos_done:
    for (int j = 0; j < 8; j++) {
        if (owned[j] != NULL) {
            PyMem_Free(owned[j]);
        }
    }
    return out;
}
#undef MEMO_ROOM

static PyObject *add_bags(PyObject *self, PyObject *args) {
    PyObject *norms, *idf, *names, *bags, *parts, *kinds, *entities;
    if (!PyArg_ParseTuple(args, "O!OO!O!O!O!O!:add_bags", &PyDict_Type, &norms, &idf, &PyTuple_Type, &names,
                          &PyTuple_Type, &bags, &PyTuple_Type, &parts, &PyDict_Type, &kinds, &PyDict_Type,
                          &entities)) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (PyTuple_GET_SIZE(bags) != n || PyTuple_GET_SIZE(parts) != n) {
        PyErr_SetString(PyExc_ValueError, "add_bags: names, bags and parts differ in length");
        return NULL;
    }
    if (add_bags_of(norms, idf, n, &PyTuple_GET_ITEM(names, 0), &PyTuple_GET_ITEM(bags, 0),
                    &PyTuple_GET_ITEM(parts, 0), kinds, entities) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* The hashes of a bag's terms, 256 bits of them: a term whose bit is clear is not in the
 * bag (a dict compares a stored hash before it compares keys, so a term it finds has a
 * hash the filter holds), and its lookup there is skipped. A bag with a term that is no
 * exact str (whose hash may not be at hand) holds every bit. */
typedef struct {
    uint64_t bits[4];
} HashFilter;

#define FILTERED_BAGS 8 /* bags of count_terms with a filter; any later one is looked up */

/* An exact str's hash, as a dict holding it stored it; -1 for any other term. */
static inline Py_hash_t str_hash(PyObject *term) {
    return PyUnicode_CheckExact(term) ? ((PyASCIIObject *)term)->hash : -1;
}

static inline void filter_add(HashFilter *f, Py_hash_t hash) {
    if (hash == -1) {
        memset(f->bits, 0xff, sizeof f->bits);
    } else {
        f->bits[((size_t)hash >> 6) & 3] |= (uint64_t)1 << ((size_t)hash & 63);
    }
}

static inline int filter_may_hold(const HashFilter *f, Py_hash_t hash) {
    return hash == -1 || (f->bits[((size_t)hash >> 6) & 3] >> ((size_t)hash & 63)) & 1;
}

/* Where a count is a one-digit int that only ``counts`` holds, it is counted up in place
 * (CPython 3.11's int layout; no one can see it change, as with add_term's floats): an
 * old term then costs one lookup and no new int, where a get and a set cost two lookups
 * and an int. The counts are put there as ints of their own (a small int is shared, so
 * never counted up in place); they equal the reference's ints. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define COUNTS_IN_PLACE 1
static inline int count_up_in_place(PyObject *count) {
    if (!PyLong_CheckExact(count) || Py_REFCNT(count) != 1 || Py_SIZE(count) != 1
            || ((PyLongObject *)count)->ob_digit[0] >= PyLong_MASK) {
        return 0;
    }
    ((PyLongObject *)count)->ob_digit[0]++;
    return 1;
}

/* int(value), a new object of its own (not a shared small int) for 0 < value < PyLong_MASK. */
static PyObject *own_count(long value) {
    if (value <= 0 || value > 256) {
        return PyLong_FromLong(value); /* not cached below zero... or above 256: new already */
    }
    PyObject *count = PyLong_FromLong((long)PyLong_MASK - 1); /* a new one-digit int */
    if (count != NULL) {
        ((PyLongObject *)count)->ob_digit[0] = (digit)value;
    }
    return count;
}

/* A new 1 that no one else holds, kept by count_term_once for its next term: an old term
 * leaves the one it would have been inserted with unused. */
static PyObject *spare_one = NULL;
#else
#define COUNTS_IN_PLACE 0
#define count_up_in_place(count) 0
#define own_count PyLong_FromLong
#endif

/* counts[term] = counts.get(term, 0) + 1 unless ``term`` (of bags[i], of str_hash
 * ``hash``) is in one of the bags before it (counted there; filters[j] of bags[j] for
 * j < FILTERED_BAGS): 0, or -1 with an exception set. The term is held: the lookups may
 * run Python code (a key's __eq__) that takes it out of its bag. Where counts are counted
 * up in place, one setdefault finds the term or inserts it with its 1; else a get and a
 * set, as Counter.update counts (most terms are counted before: a setdefault first would
 * be a third lookup for them). A plain int count is added to without the number protocol. */
static int count_term_once(PyObject *counts, PyObject *const *bags, Py_ssize_t i, PyObject *term,
                           const HashFilter *filters, Py_hash_t hash) {
    Py_INCREF(term);
    int met = 0; /* in an earlier bag: counted there */
    for (Py_ssize_t j = 0; j < i && met == 0; j++) {
        if (j >= FILTERED_BAGS || filter_may_hold(&filters[j], hash)) {
            met = PyDict_Contains(bags[j], term);
        }
    }
    if (met != 0) {
        Py_DECREF(term);
        return met < 0 ? -1 : 0;
    }
#if COUNTS_IN_PLACE
    /* taken: a call nested in Python code run below makes its own */
    PyObject *one = spare_one != NULL ? spare_one : own_count(1);
    spare_one = NULL;
    PyObject *count = one == NULL ? NULL : PyDict_SetDefault(counts, term, one); /* borrowed */
    if (count == one || count == NULL || count_up_in_place(count)) {
        if (count != one && one != NULL && Py_REFCNT(one) == 1 && spare_one == NULL) {
            spare_one = one; /* not inserted */
        } else {
            Py_XDECREF(one);
        }
        Py_DECREF(term);
        return count == NULL ? -1 : 0;
    }
    if (Py_REFCNT(one) == 1 && spare_one == NULL) {
        spare_one = one;
    } else {
        Py_DECREF(one);
    }
#else
    PyObject *count = PyDict_GetItemWithError(counts, term); /* borrowed */
#endif
    PyObject *next = NULL;
    int overflow = 1;
    long old = count != NULL && PyLong_CheckExact(count) ? PyLong_AsLongAndOverflow(count, &overflow) : 0;
    if (count == NULL) {
        next = PyErr_Occurred() ? NULL : own_count(1);
    } else if (!overflow && old < LONG_MAX) {
        next = own_count(old + 1);
    } else {
        PyObject *one = PyLong_FromLong(1);
        Py_INCREF(count); /* held while it adds */
        next = one == NULL ? NULL : PyNumber_Add(count, one);
        Py_DECREF(count);
        Py_XDECREF(one);
    }
    int status = next == NULL ? -1 : PyDict_SetItem(counts, term, next);
    Py_XDECREF(next);
    Py_DECREF(term);
    return status;
}

PyDoc_STRVAR(count_terms_doc,
"count_terms(counts, bags) -> None\n\n"
"Each term of the dicts in the tuple ``bags`` counted once in ``counts`` (a dict of int:\n"
"counts[term] = counts.get(term, 0) + 1), in the order the terms are first met.");

/* count_terms of a dict ``counts`` and ``n`` bags; -1 with an exception set. */
static int count_terms_of(PyObject *counts, PyObject *const *bags, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyDict_Check(bags[i])) {
            PyErr_SetString(PyExc_TypeError, "count_terms: the bags must be dicts");
            return -1;
        }
    }
    HashFilter filters[FILTERED_BAGS] = {{{0}}};
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term, *weight;
        Py_ssize_t pos = 0;
        while (dict_next(bags[i], &pos, &term, &weight)) {
            Py_hash_t hash = str_hash(term);
            if (i < FILTERED_BAGS) {
                filter_add(&filters[i], hash);
            }
            if (count_term_once(counts, bags, i, term, filters, hash) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static PyObject *count_terms(PyObject *self, PyObject *args) {
    PyObject *counts, *bags;
    if (!PyArg_ParseTuple(args, "OO!:count_terms", &counts, &PyTuple_Type, &bags)) {
        return NULL;
    }
    if (Py_IS_TYPE(counts, &TermCountsType)) { /* a TermTable's counts: counted into it */
        TermTable *t = counts_table((TermCounts *)counts);
        if (t == NULL || term_count_bags(t, &PyTuple_GET_ITEM(bags, 0), PyTuple_GET_SIZE(bags)) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "count_terms: counts must be a dict or a TermTable's counts");
        return NULL;
    }
    if (count_terms_of(counts, &PyTuple_GET_ITEM(bags, 0), PyTuple_GET_SIZE(bags)) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}
/* A bag term and its IDF-weighted weight. */
typedef struct {
    double score;
    PyObject *term, *weight;
} RankedTerm;

PyDoc_STRVAR(best_terms_doc,
"best_terms(bag, idf, keep) -> dict\n\n"
"The ``keep`` terms of ``bag`` with the highest weight * idf[term], best first (ties in\n"
"bag order), with their weights.");

static PyObject *best_terms(PyObject *self, PyObject *args) {
    PyObject *bag, *idf;
    Py_ssize_t keep;
    if (!PyArg_ParseTuple(args, "O!On:best_terms", &PyDict_Type, &bag, &idf, &keep)) {
        return NULL;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "best_terms: idf must be a dict");
        return NULL;
    }
    if (keep < 0) {
        PyErr_SetString(PyExc_ValueError, "best_terms: keep must not be negative");
        return NULL;
    }
    Py_ssize_t n = PyDict_GET_SIZE(bag), pos = 0, i = 0;
    Py_ssize_t count = keep < n ? keep : n;
    /* the bag's own references: the IDF may be computed (Python code runs then) */
    RankedTerm *ranked = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(RankedTerm));
    Py_ssize_t *order = PyMem_Malloc((size_t)(count > 0 ? count : 1) * sizeof(Py_ssize_t));
    PyObject *term, *weight, *out = NULL;
    if (ranked == NULL || order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    while (i < n && dict_next(bag, &pos, &term, &weight)) {
        ranked[i].term = Py_NewRef(term);
        ranked[i].weight = Py_NewRef(weight);
        i++;
    }
    for (Py_ssize_t k = 0; k < i; k++) {
        double w, term_idf;
        if (weight_and_idf(idf, ranked[k].term, ranked[k].weight, &w, &term_idf) < 0) {
            goto done;
        }
        ranked[k].score = w * term_idf;
    }
    count = keep < i ? keep : i;
    if (best_of((const char *)&ranked[0].score, sizeof(RankedTerm), i, count, order) < 0) {
        goto done;
    }
    out = _PyDict_NewPresized(count); /* sized once: no resize while it fills */
    for (Py_ssize_t k = 0; out != NULL && k < count; k++) {
        if (PyDict_SetItem(out, ranked[order[k]].term, ranked[order[k]].weight) < 0) {
            Py_CLEAR(out);
        }
    }
done:
    for (Py_ssize_t k = 0; k < i; k++) {
        Py_DECREF(ranked[k].term);
        Py_DECREF(ranked[k].weight);
    }
    PyMem_Free(ranked);
    PyMem_Free(order);
    return out;
}
