/* compare.c: the scoring kernel, an article compared with a story: norms, story_cosine,
 * text_cosine(s), rank_stories, pair_features, fill_vectors, fresh_norms_of,
 * top_entities_of (references in storyline/cluster/features.py), symmetric,
 * linear_probability and interaction_probability (references in
 * storyline/cluster/online.py; best_story, named with them below, is in stream.c). Uses
 * common.c (Held, held_attr, the K_* names), bags.c (walk_changed, weight_and_idf,
 * weighted_of) and bookkeeping.c (best_of); side_cosine_of and slot_put, declared here, are
 * defined in stream.c, and Side in refine.c. */

/* ---- The clusterer's scoring kernel (references: story_cosine, text_cosine,
 * rank_stories, pair_features, fill_vectors, fresh_norms_of and top_entities_of in
 * storyline/cluster/features.py; symmetric, interaction_probability, linear_probability
 * and best_story, the stream's join decision, in storyline/cluster/online.py). Each
 * reads the slots and fields its reference reads and caches a story's norms in its
 * ``_norms`` dict as the reference does, in the same order. ---- */

#include <structmember.h> /* T_OBJECT_EX: a slot's member type */

/* a story's norm cache is emptied once the corpus has grown past this factor of the
 * count it was filled at, plus 20 (features.NORM_REFRESH_GROWTH) */
#define NORM_REFRESH_GROWTH 1.5

/* Whether a corpus of ``count`` documents has grown past ``growth`` * ``cached`` + ``slack``,
 * as Python compares them; 1, 0 or -1 with an exception set. Exact ints below 2**53 (all
 * real counts) convert to doubles exactly. */
static inline Py_ALWAYS_INLINE int exact_double(PyObject *obj, double *out);
static inline int grown_past(PyObject *count, PyObject *cached, double growth, long slack) {
    double m, n;
    if (PyLong_CheckExact(count) && PyLong_CheckExact(cached) && exact_double(count, &m) && exact_double(cached, &n)) {
        return m > growth * n + (double)slack;
    }
    PyObject *factor = PyFloat_FromDouble(growth);
    PyObject *scaled = factor == NULL ? NULL : PyNumber_Multiply(factor, cached);
    PyObject *extra = scaled == NULL ? NULL : PyLong_FromLong(slack);
    PyObject *limit = extra == NULL ? NULL : PyNumber_Add(scaled, extra);
    int stale = limit == NULL ? -1 : PyObject_RichCompareBool(count, limit, Py_GT);
    Py_XDECREF(factor);
    Py_XDECREF(scaled);
    Py_XDECREF(extra);
    Py_XDECREF(limit);
    return stale;
}

/* Whether a norm cache filled at corpus size ``cached`` is stale at size ``count``:
 * count > NORM_REFRESH_GROWTH * cached + 20, as Python compares them. */
static inline int outgrown(PyObject *count, PyObject *cached) {
    return grown_past(count, cached, NORM_REFRESH_GROWTH, 20);
}

/* ---- What the stream and refinement read of stories' norm caches (their ``_norms``
 * dicts; and of their kinds dicts, by the same names), kept by dict and version: a
 * story's norms are read again at each article that retrieves it, unchanged since (a
 * dict's version changes with each change of it). ---- */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define NORM_MEMO 1 /* dict_version: a global counter's (unique to a dict's contents) */
#else
#define NORM_MEMO 0
#endif

/* the names a norm cache holds: its corpus size and the norms of a story's bags */
enum { NORM_N, NORM_TITLE, NORM_BODY, NORM_ALL, NORM_ENTITIES, NORM_PEOPLE, NORM_PLACES, NORM_ORGS, NORM_YEARS,
       NORM_NAMES };
static const int norm_names[NORM_NAMES] = {K_N, K_TITLE, K_BODY, K_ALL, K_ENTITIES, K_PEOPLE, K_PLACES, K_ORGS,
                                           K_YEARS};

/* A norm cache as read at one version: the values (borrowed; NULL: not read) its
 * lookups found. While the dict has that version it holds them still (a dict freed since
 * and another made at its address has another version): they are what a lookup finds.
 * (A norm updated in place, update_norm, is the same float: read through it, not copied.) */
typedef struct {
    PyObject *norms;
    uint64_t version;
    PyObject *value[NORM_NAMES];
} NormMemo;
#define NORM_MEMOS 512 /* a place per dict by its address */
static NormMemo norm_memos[NORM_MEMOS];

/* The memo place of a norm cache ``name`` (a NORM_* or -1: none) names, or -1. */
static inline int norm_slot(PyObject *name) {
    for (int i = 0; i < NORM_NAMES; i++) {
        if (name == kernel_str[norm_names[i]]) {
            return i;
        }
    }
    return -1;
}

/* norms[name] (``slot`` its memo place, or -1) as PyDict_GetItemWithError finds it: a
 * borrowed reference, NULL where it holds none or with an exception set. */
static inline PyObject *norm_read(PyObject *norms, int slot, PyObject *name) {
#if NORM_MEMO
    uint64_t version = slot >= 0 ? dict_version(norms) : 0;
    uintptr_t at = (uintptr_t)norms;
    NormMemo *memo = &norm_memos[((at >> 4) ^ (at >> 13)) & (NORM_MEMOS - 1)];
    if (version != 0 && memo->norms == norms && memo->version == version && memo->value[slot] != NULL) {
        return memo->value[slot];
    }
#endif
    PyObject *value = PyDict_GetItemWithError(norms, name);
#if NORM_MEMO
    /* kept where the lookup (a key's __eq__ may run Python code) left the dict as it was */
    if (value != NULL && version != 0 && dict_version(norms) == version) {
        if (memo->norms != norms || memo->version != version) {
            *memo = (NormMemo){norms, version, {NULL}};
        }
        memo->value[slot] = value;
    }
#endif
    return value;
}

/* story_norms at corpus size ``count`` (df.n, read by the caller). */
static PyObject *story_norms_at(PyObject *story, PyObject *count) {
    Held h;
    h.n = 0;
    PyObject *norms = held_attr(&h, story, K_NORMS);
    if (norms == NULL) {
        goto fail;
    }
    if (!PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "a story's norm cache must be a dict");
        goto fail;
    }
    PyObject *cached = norm_read(norms, NORM_N, kernel_str[K_N]);
    if (cached == NULL && PyErr_Occurred()) {
        goto fail;
    }
    int stale = 1;
    double now, then;
    if (cached != NULL && cached != Py_None) { /* norms.get("n") is None: as if missing */
        if (PyLong_CheckExact(count) && PyLong_CheckExact(cached) && exact_double(count, &now)
                && exact_double(cached, &then)) {
            stale = now > NORM_REFRESH_GROWTH * then + 20.0; /* outgrown's test: no Python code runs */
        } else {
            Py_INCREF(cached); /* the comparison may run Python code */
            stale = outgrown(count, hold(&h, cached));
            if (stale < 0) {
                goto fail;
            }
        }
    }
    if (stale) {
        PyDict_Clear(norms);
        if (PyDict_SetItem(norms, kernel_str[K_N], count) < 0) {
            goto fail;
        }
    }
    if (h.n == 1) { /* the norms alone: their reference is the caller's */
        return norms;
    }
    Py_INCREF(norms);
    release(&h);
    return norms;
fail:
    release(&h);
    return NULL;
}

/* fresh_norms_of(story, df): the story's cached norms (its ``_norms`` dict), emptied first
 * if the corpus has outgrown them; a new reference, NULL with an exception set. */
static PyObject *story_norms(PyObject *story, PyObject *df) {
    Held h;
    h.n = 0;
    PyObject *count = held_attr(&h, df, K_N);
    PyObject *norms = count == NULL ? NULL : story_norms_at(story, count);
    release(&h);
    return norms;
}

PyDoc_STRVAR(fresh_norms_of_doc,
"fresh_norms_of(story, df) -> dict\n\n"
"A StoryFeatures' cached norms, emptied first if the corpus has outgrown them\n"
"(storyline.cluster.features).");

static PyObject *fresh_norms_of(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "fresh_norms_of takes 2 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    return story_norms(args[0], args[1]);
}

/* the names a story is most about: features.MAIN_ENTITIES + 2 */
#define TOP_ENTITIES 4

/* a < b for two bag weights: doubles where both are floats, else Python's comparison;
 * 1, 0 or -1 with an exception set */
static inline int weight_less(PyObject *a, PyObject *b) {
    if (PyFloat_CheckExact(a) && PyFloat_CheckExact(b)) {
        return PyFloat_AS_DOUBLE(a) < PyFloat_AS_DOUBLE(b);
    }
    return PyObject_RichCompareBool(a, b, Py_LT);
}

static int slot_put(PyObject *obj, PyObject *name, PyObject *value);

/* top_entities_of(story): the story's TOP_ENTITIES most mentioned names (a frozenset; ties
 * in insertion order, as a stable sort gives them), cached in its ``_top`` as (size,
 * names) until it grows; a new reference, NULL with an exception set. */
static PyObject *story_top(PyObject *story) {
    Held h;
    h.n = 0;
    PyObject *out = NULL;
    /* the best so far, best first, held: comparing weights that are not floats runs
     * Python code, which may take them out of the entities */
    PyObject *names[TOP_ENTITIES], *weights[TOP_ENTITIES];
    Py_ssize_t kept = 0;
    PyObject *top = held_attr(&h, story, K_TOP);
    PyObject *size = top == NULL ? NULL : held_attr(&h, story, K_SIZE);
    if (size == NULL) {
        goto done;
    }
    if (!PyTuple_Check(top) || PyTuple_GET_SIZE(top) != 2) {
        PyErr_SetString(PyExc_TypeError, "a story's _top must be a (size, names) pair");
        goto done;
    }
    /* the same object (a small int, mostly): not grown, as RichCompareBool finds it */
    PyObject *top_size = PyTuple_GET_ITEM(top, 0);
    double was, now; /* exact ints compared as doubles where exact_double reads both */
    int grown = top_size == size                                                           ? 0
                : PyLong_CheckExact(top_size) && PyLong_CheckExact(size) && exact_double(top_size, &was)
                        && exact_double(size, &now) ? was != now
                                                    : PyObject_RichCompareBool(top_size, size, Py_NE);
    if (grown <= 0) {
        out = grown < 0 ? NULL : Py_NewRef(PyTuple_GET_ITEM(top, 1));
        goto done;
    }
    PyObject *entities = held_attr(&h, story, K_ENTITIES);
    if (entities == NULL) {
        goto done;
    }
    if (is_term_bag(entities)) {
        /* the same ranking over its doubles: no Python code runs in it, so its names are
         * held only once found */
        TermBag *b = (TermBag *)entities;
        double best[TOP_ENTITIES];
        for (Py_ssize_t i = 0; i < b->n; i++) {
            double w = b->entries[i].value;
            Py_ssize_t at = 0;
            while (at < kept && !(best[at] < w)) {
                at++;
            }
            if (at == TOP_ENTITIES) {
                continue;
            }
            Py_ssize_t end = kept < TOP_ENTITIES ? kept : TOP_ENTITIES - 1;
            for (Py_ssize_t j = end; j > at; j--) {
                names[j] = names[j - 1];
                best[j] = best[j - 1];
            }
            names[at] = b->entries[i].key;
            best[at] = w;
            if (kept < TOP_ENTITIES) {
                kept++;
            }
        }
        for (Py_ssize_t j = 0; j < kept; j++) {
            Py_INCREF(names[j]);
            weights[j] = NULL; /* the ranking is done: no float made for its weight */
        }
        goto ranked;
    }
    if (!PyDict_Check(entities)) {
        PyErr_SetString(PyExc_TypeError, "a story's entities must be a dict or a TermBag");
        goto done;
    }
    /* a name goes before the first one it outweighs */
    Py_ssize_t pos = 0;
    PyObject *name, *weight;
    while (PyDict_Next(entities, &pos, &name, &weight)) {
        if (kept == TOP_ENTITIES && PyFloat_CheckExact(weight)) {
            /* most names outweigh none of the kept: where all are floats, that is found
             * without Python code, so without holding them */
            double w = PyFloat_AS_DOUBLE(weight);
            int floats = 1, beats = 0;
            for (Py_ssize_t k = 0; k < kept && floats && !beats; k++) {
                floats = PyFloat_CheckExact(weights[k]);
                beats = floats && PyFloat_AS_DOUBLE(weights[k]) < w;
            }
            if (floats && !beats) {
                continue;
            }
        }
        Py_INCREF(name);
        Py_INCREF(weight);
        Py_ssize_t at = 0;
        while (at < kept) {
            int less = weight_less(weights[at], weight);
            if (less < 0) {
                Py_DECREF(name);
                Py_DECREF(weight);
                goto done;
            }
            if (less) {
                break;
            }
            at++;
        }
        if (at == TOP_ENTITIES) {
            Py_DECREF(name);
            Py_DECREF(weight);
            continue;
        }
        if (kept == TOP_ENTITIES) { /* the last one drops out */
            Py_DECREF(names[TOP_ENTITIES - 1]);
            Py_DECREF(weights[TOP_ENTITIES - 1]);
        }
        Py_ssize_t end = kept < TOP_ENTITIES ? kept : TOP_ENTITIES - 1;
        for (Py_ssize_t j = end; j > at; j--) {
            names[j] = names[j - 1];
            weights[j] = weights[j - 1];
        }
        names[at] = name;
        weights[at] = weight;
        if (kept < TOP_ENTITIES) {
            kept++;
        }
    }
ranked:;
    /* frozenset(names), filled in their order as from a tuple of them */
    PyObject *found = hold(&h, PyFrozenSet_New(NULL));
    for (Py_ssize_t j = 0; found != NULL && j < kept; j++) {
        if (PySet_Add(found, names[j]) < 0) {
            found = NULL;
        }
    }
    PyObject *cache = found == NULL ? NULL : hold(&h, PyTuple_New(2));
    if (cache != NULL) {
        PyTuple_SET_ITEM(cache, 0, Py_NewRef(size));
        PyTuple_SET_ITEM(cache, 1, Py_NewRef(found));
    }
    if (cache != NULL && slot_put(story, kernel_str[K_TOP], cache) == 0) {
        out = Py_NewRef(found);
    }
done:
    for (Py_ssize_t j = 0; j < kept; j++) {
        Py_DECREF(names[j]);
        Py_XDECREF(weights[j]);
    }
    release(&h);
    return out;
}

PyDoc_STRVAR(top_entities_of_doc,
"top_entities_of(story) -> frozenset\n\n"
"A StoryFeatures' most mentioned names, cached until it grows (storyline.cluster.features).");

static PyObject *top_entities_of(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "top_entities_of takes 1 argument");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    return story_top(args[0]);
}

/* ``term``'s value in ``large``, a dict or a TermBag: 1 with *w set, 0 where it is not
 * there, -1 with an exception set (a key's __eq__ or a value's __float__ may run Python code). */
static inline int value_in(PyObject *large, PyObject *term, double *w) {
    if (is_term_bag(large)) {
        Py_ssize_t at = bag_lookup((TermBag *)large, term);
        if (at < 0) {
            return at == -2 ? -1 : 0;
        }
        *w = ((TermBag *)large)->entries[at].value;
        return 1;
    }
    PyObject *other = PyDict_GetItemWithError(large, term);
    if (other == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    *w = PyFloat_AsDouble(other);
    return FAILED(*w) ? -1 : 1;
}

/* weighted_dot's sum over a dict ``small`` in its order, ``large`` a dict or a TermBag:
 * 1 with *out set, 0 where no term is shared (the reference's sum([])), -1 with an
 * exception set on failure. */
static int shared_dot(PyObject *small, PyObject *large, PyObject *idf, double *out) {
    Sum s = {0.0, 0.0};
    int any = 0;
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    Py_ssize_t size = PyDict_GET_SIZE(small);
    while (PyDict_Next(small, &pos, &term, &value)) {
        /* held: the lookups may run Python code (a key's __eq__, the IDF's __missing__),
         * which may take them out of ``small`` */
        Py_INCREF(term);
        Py_INCREF(value);
        double w; /* read before the IDF lookup may run Python code */
        int found = value_in(large, term, &w);
        int status = found < 0 ? -1 : 0;
        if (found > 0) {
            double v, weight;
            if (weight_and_idf(idf, term, value, &v, &weight) < 0) {
                status = -1;
            } else {
                sum_add(&s, v * w * weight);
                any = 1;
            }
        }
        Py_DECREF(term);
        Py_DECREF(value);
        if (status < 0 || walk_changed(small, size) < 0) {
            return -1;
        }
    }
    *out = sum_result(&s);
    return any;
}

/* shared_dot where ``small`` is a TermBag (``large`` a dict): the bag walked in its
 * order, each shared term's small value * large value * IDF summed, as with two dicts. */
static int shared_dot_bag(PyObject *small, PyObject *large, PyObject *idf, double *out) {
    Sum s = {0.0, 0.0};
    int any = 0;
    TermBag *b = (TermBag *)small;
    Py_ssize_t size = b->n;
    for (Py_ssize_t k = 0; k < size; k++) {
        PyObject *term = Py_NewRef(b->entries[k].key); /* held: lookups may run Python code */
        double v = b->entries[k].value;
        PyObject *other = PyDict_GetItemWithError(large, term);
        int status = other == NULL && PyErr_Occurred() ? -1 : 0;
        if (other != NULL) {
            double w = PyFloat_AsDouble(other);
            double weight = FAILED(w) ? -1.0 : idf_of(idf, term);
            if (FAILED(weight)) {
                status = -1;
            } else {
                sum_add(&s, v * w * weight);
                any = 1;
            }
        }
        Py_DECREF(term);
        if (status < 0 || bag_walk_changed(b, size) < 0) {
            return -1;
        }
    }
    *out = sum_result(&s);
    return any;
}

/* A story bag's norm as _norm caches it in ``norms`` under ``name`` (``slot`` its memo
 * place, norm_slot's); -1.0 with an exception set on failure. */
static double cached_norm_at(PyObject *norms, int slot, PyObject *name, PyObject *bag, PyObject *idf) {
    PyObject *cached = norm_read(norms, slot, name);
    if (cached != NULL) {
        return float_of(cached);
    }
    if (PyErr_Occurred()) {
        return -1.0;
    }
    Sum s = {0.0, 0.0};
    if (is_term_bag(bag)) { /* its entries in order, as the equal dict's items */
        TermBag *b = (TermBag *)bag;
        Py_ssize_t size = b->n;
        for (Py_ssize_t k = 0; k < size; k++) {
            double w = b->entries[k].value;
            PyObject *term = Py_NewRef(b->entries[k].key); /* held: the IDF's __missing__ may run */
            double weight = idf_of(idf, term);
            Py_DECREF(term);
            if (FAILED(weight) || bag_walk_changed(b, size) < 0) {
                return -1.0;
            }
            double v = w * weight;
            sum_add(&s, v * v);
        }
    } else {
        Py_ssize_t pos = 0;
        PyObject *term, *value;
        Py_ssize_t size = PyDict_GET_SIZE(bag);
        while (PyDict_Next(bag, &pos, &term, &value)) {
            double w, weight;
            if (weight_and_idf(idf, term, value, &w, &weight) < 0 || walk_changed(bag, size) < 0) {
                return -1.0;
            }
            double v = w * weight;
            sum_add(&s, v * v);
        }
    }
    double norm = sqrt(sum_result(&s));
    if (norm == 0.0) {
        norm = 1.0; /* sqrt(...) or 1.0 */
    }
    PyObject *value_obj = PyFloat_FromDouble(norm);
    if (value_obj == NULL || PyDict_SetItem(norms, name, value_obj) < 0) {
        Py_XDECREF(value_obj);
        return -1.0;
    }
    Py_DECREF(value_obj);
    return norm;
}

/* cached_norm_at of a norm named by an object (its memo place looked up). */
static double cached_norm(PyObject *norms, PyObject *name, PyObject *bag, PyObject *idf) {
    return cached_norm_at(norms, norm_slot(name), name, bag, idf);
}

/* story_cosine on objects; -1 with an exception set on failure. */
static int cosine_of(PyObject *vec, PyObject *norm_obj, PyObject *bag, PyObject *norms, PyObject *name,
                     PyObject *idf, double *out) {
    if (!PyDict_Check(vec) || !(PyDict_Check(bag) || is_term_bag(bag))) {
        PyErr_SetString(PyExc_TypeError, "story_cosine: the vector and the bag must be dicts");
        return -1;
    }
    double norm = PyFloat_AsDouble(norm_obj);
    if (FAILED(norm)) {
        return -1;
    }
    double bag_norm = cached_norm(norms, name, bag, idf);
    if (FAILED(bag_norm)) {
        return -1;
    }
    double total;
    int any = PyDict_GET_SIZE(vec) > bag_size(bag) ? (is_term_bag(bag) ? shared_dot_bag : shared_dot)(bag, vec, idf, &total)
                                                   : shared_dot(vec, bag, idf, &total);
    if (any < 0) {
        return -1;
    }
    *out = any && total != 0.0 ? total / (norm * bag_norm) : 0.0;
    return 0;
}

PyDoc_STRVAR(story_cosine_doc,
"story_cosine(vec, norm, bag, norms, name, idf) -> float\n\n"
"The cosine of an article's weighted vector (of norm ``norm``) and a story bag, the\n"
"bag's norm cached in ``norms`` under ``name`` (storyline.cluster.features).");

static PyObject *story_cosine(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "story_cosine takes 6 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[3]) || !idf_mapping(args[5])) {
        PyErr_SetString(PyExc_TypeError, "story_cosine: norms and idf must be dicts");
        return NULL;
    }
    double out;
    if (cosine_of(args[0], args[1], args[2], args[3], args[4], args[5], &out) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(out);
}

/* story_cosine of an article vector and a story bag read from their attributes. */
static int attr_cosine(Held *h, PyObject *vectors, int vec, int norm, PyObject *story, int bag, int name,
                       PyObject *norms, PyObject *idf, double *out) {
    PyObject *vec_obj = held_attr(h, vectors, vec);
    PyObject *norm_obj = vec_obj == NULL ? NULL : held_attr(h, vectors, norm);
    PyObject *bag_obj = norm_obj == NULL ? NULL : held_attr(h, story, bag);
    if (bag_obj == NULL) {
        return -1;
    }
    return cosine_of(vec_obj, norm_obj, bag_obj, norms, kernel_str[name], idf, out);
}

PyDoc_STRVAR(text_cosine_doc,
"text_cosine(vectors, story, df) -> float\n\n"
"The IDF-weighted cosine of an ArticleVectors' title + body terms and a StoryFeatures'\n"
"(storyline.cluster.features).");

static PyObject *text_cosine(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "text_cosine takes 3 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    double out;
    PyObject *idf = held_attr(&h, args[2], K_WEIGHTS);
    PyObject *norms = idf == NULL ? NULL : hold(&h, story_norms(args[1], args[2]));
    if (norms == NULL) {
        goto fail;
    }
    if (!idf_mapping(idf) || !PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "text_cosine: the IDF weights and the norms must be dicts");
        goto fail;
    }
    if (attr_cosine(&h, args[0], K_ALL, K_ALL_NORM, args[1], K_ALL, K_ALL, norms, idf, &out) < 0) {
        goto fail;
    }
    release(&h);
    return PyFloat_FromDouble(out);
fail:
    release(&h);
    return NULL;
}

/* An article's side as decide makes it (refinement's Side, defined with its pairs below),
 * and the cosine of its vector named ``name`` (K_TITLE, K_BODY, K_ALL, K_ENTITIES, K_YEARS
 * or a kind) with a story's bag, as cosine_of computes it: 1, or with ``named_only`` 0
 * (no cosine) where either is empty, -1 with an exception set. */
typedef struct Side Side;
static int side_cosine_of(const Side *side, int name, PyObject *bag, PyObject *norms, PyObject *idf, int named_only,
                          double *out);
/* Whether the side's vector ``name`` names any term: 1 or 0. */
static int side_names(const Side *side, int name);

/* The text_cosine of an article's title + body vector ``vec`` (of norm ``vec_norm``), or
 * of its ``side``'s where that is not NULL, with each of ``n`` stories (ids into the dict
 * ``stories``), in their order (the norms they cache, the IDF weights they compute), as
 * rank_stories' reference makes its dict of them; -1 with an exception set. ``found`` is
 * NULL, or the stories themselves, as the caller found them (held by it). Where ``kept``
 * is not NULL, kept[2 * i] and kept[2 * i + 1] get new references to story i and its fresh
 * norms (NULL past a failure; the caller drops them), so that the join decision reads them
 * again without the lookups (their norms stay fresh: the corpus does not grow meanwhile). */
static int text_cosines(PyObject *vec, PyObject *vec_norm, const Side *side, PyObject *const *sids, Py_ssize_t n,
                        PyObject *const *found, PyObject *stories, PyObject *df, PyObject *idf, double *cosines,
                        PyObject **kept) {
    Held h;
    h.n = 0;
    PyObject *count = held_attr(&h, df, K_N); /* the corpus does not grow meanwhile */
    for (Py_ssize_t i = 0; count != NULL && i < n; i++) {
        PyObject *story = found != NULL ? found[i] : PyDict_GetItemWithError(stories, sids[i]);
        if (story == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, sids[i]);
            }
            release(&h);
            return -1;
        }
        Held each;
        each.n = 0;
        if (found == NULL) { /* else held by the caller */
            hold(&each, Py_NewRef(story));
        }
        PyObject *norms = hold(&each, story_norms_at(story, count));
        PyObject *bag = norms == NULL ? NULL : held_attr(&each, story, K_ALL);
        int failed = bag == NULL || !PyDict_Check(norms)
                     || (side != NULL ? side_cosine_of(side, K_ALL, bag, norms, idf, 0, &cosines[i])
                                      : cosine_of(vec, vec_norm, bag, norms, kernel_str[K_ALL], idf, &cosines[i])) < 0;
        if (!failed && kept != NULL) {
            kept[2 * i] = Py_NewRef(story);
            kept[2 * i + 1] = Py_NewRef(norms);
        }
        release(&each);
        if (failed) {
            release(&h);
            return -1;
        }
    }
    release(&h);
    return count == NULL ? -1 : 0;
}

PyDoc_STRVAR(rank_stories_doc,
"rank_stories(vectors, candidates, stories, df, count) -> dict\n\n"
"The ``count`` of ``candidates`` (distinct ids into the dict ``stories``) whose text_cosine\n"
"with an ArticleVectors is highest, best first (ties in candidate order), with those\n"
"cosines (storyline.cluster.features).");

static PyObject *rank_stories(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "rank_stories takes 5 arguments");
        return NULL;
    }
    PyObject *vectors = args[0], *stories = args[2], *df = args[3];
    Py_ssize_t count = PyLong_AsSsize_t(args[4]);
    if ((count == -1 && PyErr_Occurred()) || kernel_ready() < 0) {
        return NULL;
    }
    if (!PyDict_Check(stories)) {
        PyErr_SetString(PyExc_TypeError, "rank_stories: the stories must be a dict");
        return NULL;
    }
    /* a tuple of them (a list's own array and items may be freed by Python code run
     * below: an IDF's __missing__, a story id's __eq__) */
    PyObject *candidates = PySequence_Tuple(args[1]);
    if (candidates == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(candidates);
    PyObject **sids = &PyTuple_GET_ITEM(candidates, 0);
    /* as the slice [:count] of the ranked candidates */
    Py_ssize_t kept = count < 0 ? (n + count > 0 ? n + count : 0) : (count < n ? count : n);
    double *cosines = PyMem_Malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    Py_ssize_t *order = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n > 0 ? n : 1));
    PyObject *out = NULL;
    Held h;
    h.n = 0;
    if (cosines == NULL || order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *idf = held_attr(&h, df, K_WEIGHTS);
    PyObject *vec = idf == NULL ? NULL : held_attr(&h, vectors, K_ALL);
    PyObject *vec_norm = vec == NULL ? NULL : held_attr(&h, vectors, K_ALL_NORM);
    if (vec_norm == NULL) {
        goto done;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "rank_stories: the IDF weights must be a dict");
        goto done;
    }
    if (text_cosines(vec, vec_norm, NULL, sids, n, NULL, stories, df, idf, cosines, NULL) < 0) {
        goto done;
    }
    /* the best ``kept``, best first, ties in candidate order as in a stable sort */
    Py_ssize_t ranked = kept < n ? kept : n;
    if (best_of((const char *)cosines, sizeof(double), n, ranked, order) < 0) {
        goto done;
    }
    out = PyDict_New();
    for (Py_ssize_t j = 0; out != NULL && j < ranked; j++) {
        PyObject *cosine = PyFloat_FromDouble(cosines[order[j]]);
        if (cosine == NULL || PyDict_SetItem(out, sids[order[j]], cosine) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(cosine);
    }
done:
    release(&h);
    Py_DECREF(candidates);
    PyMem_Free(cosines);
    PyMem_Free(order);
    return out;
}

/* Whether any item of ``items`` is in ``container``: 1, 0, or -1 with an exception set. */
static int any_in(PyObject *items, PyObject *container) {
    if (PyTuple_CheckExact(items)
            && (PyAnySet_CheckExact(container) || PyDict_CheckExact(container) || is_term_bag(container))) {
        /* the tuple (held by the caller) keeps its items; the containers' own tests */
        int is_set = PyAnySet_CheckExact(container), is_bag = is_term_bag(container);
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
            PyObject *item = PyTuple_GET_ITEM(items, i);
            Py_ssize_t at = is_bag ? bag_lookup((TermBag *)container, item) : 0;
            int found = is_set ? PySet_Contains(container, item)
                        : is_bag ? (at == -2 ? -1 : at >= 0) : PyDict_Contains(container, item);
            if (found != 0) {
                return found;
            }
        }
        return 0;
    }
    PyObject *iter = PyObject_GetIter(items);
    if (iter == NULL) {
        return -1;
    }
    PyObject *item;
    int found = 0;
    while (found == 0 && (item = PyIter_Next(iter)) != NULL) {
        found = PySequence_Contains(container, item);
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (found == 0 && PyErr_Occurred()) {
        return -1;
    }
    return found;
}

/* PyObject_IsTrue, inline for what the kernel mostly tests (None, bools, and exact dicts,
 * tuples and sets: their size; no Python code runs for them). */
static inline int truth(PyObject *obj) {
    if (obj == Py_None || obj == Py_False) {
        return 0;
    }
    if (obj == Py_True) {
        return 1;
    }
    if (PyDict_CheckExact(obj)) {
        return PyDict_GET_SIZE(obj) != 0;
    }
    if (is_term_bag(obj)) {
        return ((TermBag *)obj)->n != 0;
    }
    if (PyTuple_CheckExact(obj)) {
        return PyTuple_GET_SIZE(obj) != 0;
    }
    if (PyAnySet_CheckExact(obj)) {
        return PySet_GET_SIZE(obj) != 0;
    }
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    if (PyLong_CheckExact(obj)) {
        return Py_SIZE(obj) != 0; /* CPython 3.11's int: true where it has digits (0 has none) */
    }
#endif
    return PyObject_IsTrue(obj);
}

/* "a and b" of two attributes' truth; -1 with an exception set. */
static int both_true(PyObject *a, PyObject *b) {
    int first = truth(a);
    if (first <= 0) {
        return first;
    }
    return truth(b);
}

/* number_overlap: the share of ``own``'s numbers that ``other`` holds too, of the smaller
 * count, written to *out where both name some (else *out is left); 0, or -1 with an
 * exception set. Both are held by the caller. */
static int shared_share(PyObject *own, PyObject *other, double *out);
static int number_overlap(PyObject *own, PyObject *other, double *out) {
    int numbered = both_true(own, other);
    return numbered <= 0 ? numbered : shared_share(own, other, out);
}

/* number_overlap where both are known to name some. */
static int shared_share(PyObject *own, PyObject *other, double *out) {
    Py_ssize_t own_n = PyObject_Size(own), other_n = PyObject_Size(other);
    PyObject *iter = own_n < 0 || other_n < 0 ? NULL : PyObject_GetIter(own);
    if (iter == NULL) {
        return -1;
    }
    Py_ssize_t shared = 0;
    PyObject *item;
    while ((item = PyIter_Next(iter)) != NULL) {
        int in = PySequence_Contains(other, item);
        Py_DECREF(item);
        if (in < 0) {
            break;
        }
        shared += in;
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return -1;
    }
    *out = (double)shared / (double)(own_n < other_n ? own_n : other_n);
    return 0;
}

/* 1.0 where both name some and share none (the weekday and month mismatches), else 0.0. */
static int mismatch_of(Held *h, PyObject *own, PyObject *story, int name, double *out) {
    /* the story's read only where the article names some (``f.<name> and story.<name>``) */
    int named = own == NULL ? -1 : truth(own);
    PyObject *theirs = named <= 0 ? NULL : held_attr(h, story, name);
    named = named <= 0 ? named : theirs == NULL ? -1 : truth(theirs);
    if (named <= 0) {
        *out = 0.0;
        return named;
    }
    int shared = any_in(own, theirs);
    if (shared < 0) {
        return -1;
    }
    *out = shared ? 0.0 : 1.0;
    return 0;
}

/* mismatch_of f.<name>. */
static int mismatch(Held *h, PyObject *f, PyObject *story, int name, double *out) {
    return mismatch_of(h, held_attr(h, f, name), story, name, out);
}

/* ``own and story.<name>`` as a truth: 1, 0, -1 with an exception set (own NULL: failed
 * already). The story's field is read (held, into *theirs where that is not NULL) only
 * where ``own`` is true. */
static inline int later_true(Held *h, PyObject *own, PyObject *story, int name, PyObject **theirs) {
    int named = own == NULL ? -1 : truth(own);
    PyObject *field = named <= 0 ? NULL : held_attr(h, story, name);
    if (theirs != NULL) {
        *theirs = field;
    }
    return named <= 0 ? named : field == NULL ? -1 : truth(field);
}

/* f.<name> of the article pair_values reads: from ``own`` (its fields read once per call,
 * indexed by kernel name) where that is not NULL, else read here (held). */
static PyObject *own_field(Held *h, PyObject *f, PyObject *const *own, int name) {
    return own != NULL ? own[name] : held_attr(h, f, name);
}

/* exact_double of an int other than one of one digit or none (those are read inline). */
static int exact_double_long(PyObject *obj, double *out) {
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    const long long exact = 1LL << 53;
    if (overflow || v <= -exact || v >= exact) {
        return 0; /* no error: PyLong_AsLongLongAndOverflow sets none for an exact int */
    }
    *out = (double)v;
    return 1;
}

/* An exact float, or an exact int below 2**53 in size (a double exactly, as Python's
 * arithmetic with floats converts it), as a double: 1, or 0 (nothing set) for anything
 * else. Inline: the kernel reads days, sizes and counts so at each story it compares. */
static inline Py_ALWAYS_INLINE int exact_double(PyObject *obj, double *out) {
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
        return 1;
    }
    if (!PyLong_CheckExact(obj)) {
        return 0;
    }
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    /* an int of one digit or none (a day, a count: most), read off CPython 3.11's layout
     * (its sign in the size) without a call */
    Py_ssize_t digits = Py_SIZE(obj);
    if (digits >= -1 && digits <= 1) {
        *out = digits == 0 ? 0.0 : (double)((long)digits * (long)((PyLongObject *)obj)->ob_digit[0]);
        return 1;
    }
#endif
    return exact_double_long(obj, out);
}

/* StoryFeatures.day (day_sum / day_n) in doubles where day_n is an int other than 0 and
 * both are exact_double: int / int and float / int then divide the two doubles, which
 * Python does too (its int division is correctly rounded, as is the doubles'); 1, or 0
 * (nothing set) where Python's division must compute it. */
static inline int story_day_double(PyObject *day_sum, PyObject *day_n, double *out) {
    double sum, n;
    if (!PyLong_CheckExact(day_n) || !exact_double(day_n, &n) || n == 0.0 || !exact_double(day_sum, &sum)) {
        return 0;
    }
    *out = sum / n;
    return 1;
}

/* the length of pair_features' vector (features.FEATURE_NAMES) */
#define PAIR_FEATURES 18

/* attr_cosine of the article's vector <vec> (of norm <norm>) and the story's bag <bag>,
 * the vector read from its ArticleVectors or, where ``side`` is not NULL, from its side. */
static int own_cosine(Held *h, PyObject *vectors, const Side *side, int vec, int norm, PyObject *story, int bag,
                      PyObject *norms, PyObject *idf, double *out) {
    if (side == NULL) {
        return attr_cosine(h, vectors, vec, norm, story, bag, vec, norms, idf, out);
    }
    PyObject *bag_obj = held_attr(h, story, bag);
    return bag_obj == NULL ? -1 : side_cosine_of(side, vec, bag_obj, norms, idf, 0, out);
}

/* pair_features' values into x (zeros first): 1, 0 where the text cosines miss ``floor_obj``
 * (not None), -1 with an exception set. The article is its ArticleVectors ``article``, or
 * where ``side`` is not NULL its ArticleFeatures ``article`` and the side made of them.
 * ``idf`` and ``norms`` are dicts. The text cosine is *known_cross where that is not NULL
 * (the stream's ranking computed it: no float made for it), else ``cross`` or computed
 * where that is None. */
static int pair_values(PyObject *article, const Side *side, PyObject *const *own, PyObject *story, PyObject *idf,
                       PyObject *norms, PyObject *cross, const double *known_cross, PyObject *floor_obj, double *x) {
    for (int i = 0; i < PAIR_FEATURES; i++) {
        x[i] = 0.0;
    }
    Held h;
    h.n = 0;
    PyObject *vectors = side == NULL ? article : NULL;
    PyObject *f = side == NULL ? held_attr(&h, vectors, K_FEATURES) : article;
    if (f == NULL
            || own_cosine(&h, vectors, side, K_TITLE, K_TITLE_NORM, story, K_TITLE, norms, idf, &x[0]) < 0) {
        goto fail;
    }
    /* here and below, a story's field is read only where the article's is true, as
     * ``f.<name> and story.<name>`` reads it */
    PyObject *own_body = own_field(&h, f, own, K_BODY);
    int bodies = later_true(&h, own_body, story, K_BODY, NULL);
    if (bodies < 0 || (bodies && own_cosine(&h, vectors, side, K_BODY, K_BODY_NORM, story, K_BODY, norms, idf,
                                            &x[1]) < 0)) {
        goto fail;
    }
    if (known_cross != NULL) {
        x[2] = *known_cross;
    } else if (cross == Py_None) {
        if (own_cosine(&h, vectors, side, K_ALL, K_ALL_NORM, story, K_ALL, norms, idf, &x[2]) < 0) {
            goto fail;
        }
    } else {
        x[2] = PyFloat_AsDouble(cross);
        if (FAILED(x[2])) {
            goto fail;
        }
    }
    if (floor_obj != Py_None) {
        double floor = PyFloat_CheckExact(floor_obj) ? PyFloat_AS_DOUBLE(floor_obj) : PyFloat_AsDouble(floor_obj);
        if (FAILED(floor)) {
            goto fail;
        }
        if (x[0] < floor && x[1] < floor && x[2] < floor) {
            release(&h);
            return 0;
        }
    }
    if (own_cosine(&h, vectors, side, K_ENTITIES, K_ENTITY_NORM, story, K_ENTITIES, norms, idf, &x[3]) < 0) {
        goto fail;
    }
    /* the per-kind cosines, where both sides name someone of the kind; the story's kinds
     * read only where the article names someone of one (most name few kinds) */
    PyObject *own_kinds = side != NULL ? Py_None : held_attr(&h, vectors, K_KINDS), *story_kinds = NULL;
    if (own_kinds == NULL) {
        goto fail;
    }
    if (side == NULL && !PyDict_Check(own_kinds)) {
        PyErr_SetString(PyExc_TypeError, "pair_features: kinds must be dicts");
        goto fail;
    }
    for (int k = 0; k < 3; k++) {
        PyObject *kind = kernel_str[K_PEOPLE + k];
        /* each held as found: a lookup may run Python code (a key's __eq__) */
        PyObject *pair = side != NULL ? NULL : PyDict_GetItemWithError(own_kinds, kind);
        if (pair != NULL && (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)) {
            PyErr_SetString(PyExc_TypeError, "pair_features: a kind's vector must be a (vector, norm) pair");
            goto fail;
        }
        PyObject *vec = pair == NULL ? NULL : hold(&h, Py_NewRef(PyTuple_GET_ITEM(pair, 0)));
        PyObject *vec_norm = vec == NULL ? NULL : hold(&h, Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
        if (vec_norm == NULL && side == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        int own_named = side != NULL ? side_names(side, K_PEOPLE + k) : truth(vec);
        if (own_named <= 0) {
            if (own_named < 0) {
                goto fail;
            }
            continue;
        }
        if (story_kinds == NULL) {
            if ((story_kinds = held_attr(&h, story, K_KINDS)) == NULL) {
                goto fail;
            }
            if (!PyDict_Check(story_kinds)) {
                PyErr_SetString(PyExc_TypeError, "pair_features: kinds must be dicts");
                goto fail;
            }
        }
        PyObject *bag = norm_read(story_kinds, NORM_PEOPLE + k, kind); /* its kinds by the kinds' names */
        if (bag == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        Py_INCREF(bag);
        hold(&h, bag);
        int named = side != NULL ? side_cosine_of(side, K_PEOPLE + k, bag, norms, idf, 1, &x[4 + k]) : truth(bag);
        if (named < 0 || (side == NULL && named && cosine_of(vec, vec_norm, bag, norms, kind, idf, &x[4 + k]) < 0)) {
            goto fail;
        }
    }
    /* number_overlap */
    PyObject *own_numbers = own_field(&h, f, own, K_NUMBERS), *story_numbers;
    int numbered = later_true(&h, own_numbers, story, K_NUMBERS, &story_numbers);
    if (numbered < 0 || (numbered && shared_share(own_numbers, story_numbers, &x[7]) < 0)) {
        goto fail;
    }
    /* main_entity_match and main_entity_mismatch */
    PyObject *own_main = own_field(&h, f, own, K_MAIN), *story_entities;
    int mained = later_true(&h, own_main, story, K_ENTITIES, &story_entities);
    if (mained < 0) {
        goto fail;
    }
    if (mained) {
        /* the story's top names are some of its names: where it mentions none of the
         * article's, none is on top, and its top (a walk of all its names where it has
         * grown) is not read */
        int mentioned = any_in(own_main, story_entities);
        if (mentioned < 0) {
            goto fail;
        }
        if (mentioned) {
            PyObject *top = hold(&h, story_top(story));
            int hit = top == NULL ? -1 : any_in(own_main, top);
            if (hit < 0) {
                goto fail;
            }
            x[8] = hit ? 1.0 : 0.0;
        } else {
            x[9] = 1.0;
        }
    }
    /* days_apart, the story's day as StoryFeatures.day computes it (day_sum / day_n
     * if day_n else None) */
    PyObject *own_day = own_field(&h, f, own, K_DAY);
    PyObject *day_n = own_day == NULL ? NULL : held_attr(&h, story, K_DAY_N);
    int story_dated = day_n == NULL ? -1 : truth(day_n);
    if (story_dated < 0) {
        goto fail;
    }
    int dated = own_day != Py_None && story_dated;
    if (dated) {
        PyObject *day_sum = held_attr(&h, story, K_DAY_SUM);
        double a, b;
        int fast = day_sum != NULL && story_day_double(day_sum, day_n, &b);
        PyObject *story_day = fast || day_sum == NULL ? NULL : hold(&h, PyNumber_TrueDivide(day_sum, day_n));
        /* an exact int or float converts as float() converts it (exact_double) */
        if ((!fast && story_day == NULL) || (!exact_double(own_day, &a) && (a = PyFloat_AsDouble(own_day), FAILED(a)))
                || (!fast && (b = PyFloat_AsDouble(story_day), FAILED(b)))) {
            goto fail;
        }
        double gap = fabs(a - b);
        x[10] = log1p(400.0 < gap ? 400.0 : gap) / log1p(400.0); /* _MAX_DAYS */
    }
    if (mismatch_of(&h, own_field(&h, f, own, K_WEEKDAYS), story, K_WEEKDAYS, &x[11]) < 0
            || mismatch_of(&h, own_field(&h, f, own, K_MONTHS), story, K_MONTHS, &x[12]) < 0) {
        goto fail;
    }
    /* year_cos and year_known, where a day is missing on one side */
    PyObject *own_years = own_field(&h, f, own, K_YEARS);
    int yeared = later_true(&h, own_years, story, K_YEAR_BAG, NULL);
    if (yeared < 0) {
        goto fail;
    }
    if (yeared && !dated) {
        if (own_cosine(&h, vectors, side, K_YEARS, K_YEARS_NORM, story, K_YEAR_BAG, norms, idf, &x[13]) < 0) {
            goto fail;
        }
        x[14] = 1.0;
    }
    /* log_story_size, headline_only */
    PyObject *size = held_attr(&h, story, K_SIZE);
    PyObject *headline = size == NULL ? NULL : own_field(&h, f, own, K_HEADLINE_ONLY);
    if (headline == NULL) {
        goto fail;
    }
    double n;
    if (!exact_double(size, &n) && (n = PyFloat_AsDouble(size), FAILED(n))) {
        goto fail;
    }
    if (!(n > 0.0)) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        goto fail;
    }
    x[15] = log(n);
    int is_headline = truth(headline);
    if (is_headline < 0) {
        goto fail;
    }
    x[16] = is_headline ? 1.0 : 0.0;
    release(&h);
    return 1;
fail:
    release(&h);
    return -1;
}

PyDoc_STRVAR(pair_features_doc,
"pair_features(vectors, story, idf, norms, cross, floor) -> list | None\n\n"
"storyline.cluster.features.compare's features of an ArticleVectors and a StoryFeatures\n"
"without the entity conflict (0.0), ``norms`` being the story's fresh norm cache.");

static PyObject *pair_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "pair_features takes 6 arguments");
        return NULL;
    }
    if (!idf_mapping(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "pair_features: idf and norms must be dicts");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    double x[PAIR_FEATURES];
    int found = pair_values(args[0], NULL, NULL, args[1], args[2], args[3], args[4], NULL, args[5], x);
    if (found <= 0) {
        return found < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *out = PyList_New(PAIR_FEATURES);
    for (Py_ssize_t i = 0; out != NULL && i < PAIR_FEATURES; i++) {
        PyObject *value = PyFloat_FromDouble(x[i]);
        if (value == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, value);
    }
    return out;
}

/* _vector_norm: sqrt(square_sum(vec)) or 1.0; -1.0 with an exception set on failure. */
static double vector_norm(PyObject *vec) {
    Sum s = {0.0, 0.0};
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (PyDict_Next(vec, &pos, &term, &value)) {
        double v = PyFloat_AsDouble(value);
        if (FAILED(v)) {
            return -1.0;
        }
        sum_add(&s, v * v);
    }
    double norm = sqrt(sum_result(&s));
    return norm == 0.0 ? 1.0 : norm;
}

/* setattr(obj, <name>, value): straight into the slot where the name is a plain slot of
 * obj's class (what setattr does then, without its lookups); -1 on failure. */
static int put_attr(PyObject *obj, int name, PyObject *value) {
    const Py_ssize_t *offsets = Py_TYPE(obj)->tp_setattro == PyObject_GenericSetAttr ? slot_offsets(Py_TYPE(obj))
                                                                                      : NULL;
    if (offsets != NULL && offsets[name] != 0) {
        Py_XSETREF(*(PyObject **)((char *)obj + offsets[name]), Py_NewRef(value));
        return 0;
    }
    return PyObject_SetAttr(obj, kernel_str[name], value);
}

/* vectors.<name> = value, taking the reference to value (NULL: failed already); -1 on failure. */
static int set_slot(PyObject *vectors, int name, PyObject *value) {
    if (value == NULL) {
        return -1;
    }
    int done = put_attr(vectors, name, value);
    Py_DECREF(value);
    return done;
}

/* A bag weighted by ``idf`` (a new dict), as the weighted() loop makes it. */
static PyObject *weighted_bag(PyObject *bag, PyObject *idf) {
    if (!PyDict_Check(bag)) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors: a bag must be a dict");
        return NULL;
    }
    return weighted_of(bag, idf);
}

/* vectors.<vec> and vectors.<norm> as _weighted sets them: the weighted bag and its norm,
 * or {} and 1.0 for an empty bag. Returns the vector (a new reference), NULL on failure. */
static PyObject *set_weighted(PyObject *vectors, PyObject *bag, PyObject *idf, int vec, int norm) {
    int filled = PyObject_IsTrue(bag);
    if (filled < 0) {
        return NULL;
    }
    PyObject *out = filled ? weighted_bag(bag, idf) : PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    double length = filled ? vector_norm(out) : 1.0;
    if (FAILED(length) || put_attr(vectors, vec, out) < 0
            || set_slot(vectors, norm, PyFloat_FromDouble(length)) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* _split_kinds: the entity vector split by kind prefix, each part with its norm; a kind
 * without names gets no_kinds' (shared) empty part. */
static PyObject *split_kinds(PyObject *entities, PyObject *no_kinds) {
    PyObject *parts[3] = {PyDict_New(), PyDict_New(), PyDict_New()};
    PyObject *out = NULL;
    if (parts[0] == NULL || parts[1] == NULL || parts[2] == NULL) {
        goto done;
    }
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (PyDict_Next(entities, &pos, &term, &value)) {
        if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2 || PyUnicode_READ_CHAR(term, 1) != ':') {
            continue;
        }
        Py_UCS4 c = PyUnicode_READ_CHAR(term, 0);
        int k = c == 'p' ? 0 : c == 'l' ? 1 : c == 'o' ? 2 : -1;
        if (k >= 0 && PyDict_SetItem(parts[k], term, value) < 0) {
            goto done;
        }
    }
    out = PyDict_New();
    if (out == NULL) {
        goto done;
    }
    for (int k = 0; k < 3; k++) {
        PyObject *pair;
        if (PyDict_GET_SIZE(parts[k])) {
            double norm = vector_norm(parts[k]);
            PyObject *length = FAILED(norm) ? NULL : PyFloat_FromDouble(norm);
            pair = length == NULL ? NULL : PyTuple_Pack(2, parts[k], length);
            Py_XDECREF(length);
        } else {
            pair = PyDict_GetItemWithError(no_kinds, kernel_str[K_PEOPLE + k]);
            if (pair == NULL && !PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kernel_str[K_PEOPLE + k]);
            }
            Py_XINCREF(pair);
        }
        if (pair == NULL || PyDict_SetItem(out, kernel_str[K_PEOPLE + k], pair) < 0) {
            Py_XDECREF(pair);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(pair);
    }
done:
    for (int k = 0; k < 3; k++) {
        Py_XDECREF(parts[k]);
    }
    return out;
}

PyDoc_STRVAR(fill_vectors_doc,
"fill_vectors(vectors, features, idf, text_only, no_kinds) -> None\n\n"
"Set an ArticleVectors' slots from its ArticleFeatures weighted by ``idf``\n"
"(storyline.cluster.features).");

/* fill_vectors of a dict ``idf`` and a dict ``no_kinds``; -1 with an exception set. */
static int fill_article(PyObject *vectors, PyObject *features, PyObject *idf, int text_only, PyObject *no_kinds) {
    if (put_attr(vectors, K_FEATURES, features) < 0) {
        return -1;
    }
    Held h;
    h.n = 0;
    PyObject *own_title = held_attr(&h, features, K_TITLE);
    PyObject *title = own_title == NULL ? NULL : hold(&h, weighted_bag(own_title, idf));
    if (title == NULL || put_attr(vectors, K_TITLE, title) < 0) {
        goto fail;
    }
    double title_norm = PyDict_GET_SIZE(title) ? vector_norm(title) : 1.0;
    PyObject *title_norm_obj = FAILED(title_norm) ? NULL : hold(&h, PyFloat_FromDouble(title_norm));
    if (title_norm_obj == NULL || put_attr(vectors, K_TITLE_NORM, title_norm_obj) < 0) {
        goto fail;
    }
    PyObject *own_body = held_attr(&h, features, K_BODY);
    int has_body = own_body == NULL ? -1 : PyObject_IsTrue(own_body);
    if (has_body < 0) {
        goto fail;
    }
    if (has_body) {
        if (!PyDict_Check(own_body)) {
            PyErr_SetString(PyExc_TypeError, "fill_vectors: a bag must be a dict");
            goto fail;
        }
        PyObject *body = hold(&h, weighted_bag(own_body, idf));
        double body_norm = body == NULL ? -1.0 : vector_norm(body);
        if (FAILED(body_norm) || put_attr(vectors, K_BODY, body) < 0
                || set_slot(vectors, K_BODY_NORM, PyFloat_FromDouble(body_norm)) < 0) {
            goto fail;
        }
        /* title + body, summed where a term is in both (body order, then the title's own) */
        PyObject *merged = hold(&h, PyDict_Copy(body));
        if (merged == NULL) {
            goto fail;
        }
        Py_ssize_t pos = 0;
        PyObject *term, *value;
        Py_ssize_t size = PyDict_GET_SIZE(own_title);
        while (PyDict_Next(own_title, &pos, &term, &value)) {
            /* held: the lookups may run Python code (a key's __eq__, the IDF's
             * __missing__), which may take them out of the title's bag */
            Py_INCREF(term);
            Py_INCREF(value);
            PyObject *in_body = PyDict_GetItemWithError(own_body, term);
            PyObject *sum = NULL;
            if (in_body == NULL) {
                sum = PyErr_Occurred() ? NULL : PyDict_GetItemWithError(title, term);
                if (sum == NULL && !PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, term);
                }
                Py_XINCREF(sum);
            } else {
                double a = PyFloat_AsDouble(in_body), b, weight;
                if (!FAILED(a) && weight_and_idf(idf, term, value, &b, &weight) == 0) {
                    sum = PyFloat_FromDouble((a + b) * weight);
                }
            }
            int stored = sum == NULL ? -1 : PyDict_SetItem(merged, term, sum);
            Py_XDECREF(sum);
            Py_DECREF(term);
            Py_DECREF(value);
            if (stored < 0 || walk_changed(own_title, size) < 0) {
                goto fail;
            }
        }
        double all_norm = vector_norm(merged);
        if (FAILED(all_norm) || put_attr(vectors, K_ALL, merged) < 0
                || set_slot(vectors, K_ALL_NORM, PyFloat_FromDouble(all_norm)) < 0) {
            goto fail;
        }
    } else {
        /* a headline: title + body is the title vector itself */
        if (set_slot(vectors, K_BODY, PyDict_New()) < 0 || set_slot(vectors, K_BODY_NORM, PyFloat_FromDouble(1.0)) < 0
                || put_attr(vectors, K_ALL, title) < 0
                || put_attr(vectors, K_ALL_NORM, title_norm_obj) < 0) {
            goto fail;
        }
    }
    if (!text_only) {
        PyObject *own_entities = held_attr(&h, features, K_ENTITIES);
        PyObject *entities = own_entities == NULL ? NULL
                             : hold(&h, set_weighted(vectors, own_entities, idf, K_ENTITIES, K_ENTITY_NORM));
        PyObject *own_years = entities == NULL ? NULL : held_attr(&h, features, K_YEARS);
        if (own_years == NULL || hold(&h, set_weighted(vectors, own_years, idf, K_YEARS, K_YEARS_NORM)) == NULL) {
            goto fail;
        }
        if (PyDict_GET_SIZE(entities)) {
            if (set_slot(vectors, K_KINDS, split_kinds(entities, no_kinds)) < 0) {
                goto fail;
            }
        } else if (put_attr(vectors, K_KINDS, no_kinds) < 0) {
            goto fail;
        }
    }
    release(&h);
    return 0;
fail:
    release(&h);
    return -1;
}

static PyObject *fill_vectors(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors takes 5 arguments");
        return NULL;
    }
    if (!idf_mapping(args[2]) || !PyDict_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors: idf and no_kinds must be dicts");
        return NULL;
    }
    int text_only = PyObject_IsTrue(args[3]);
    if (text_only < 0 || kernel_ready() < 0 || fill_article(args[0], args[1], args[2], text_only, args[4]) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A sequence's items as doubles (PyMem_Malloc'd, at least one slot); NULL with an exception set. */
static double *doubles_of(PyObject *seq, Py_ssize_t *n) {
    PyObject *fast = PySequence_Fast(seq, "a sequence of numbers is needed");
    if (fast == NULL) {
        return NULL;
    }
    *n = PySequence_Fast_GET_SIZE(fast);
    double *out = PyMem_Malloc(sizeof(double) * (size_t)(*n > 0 ? *n : 1));
    if (out == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        if (i < PySequence_Fast_GET_SIZE(fast) && PyFloat_CheckExact(PySequence_Fast_GET_ITEM(fast, i))) {
            out[i] = PyFloat_AS_DOUBLE(PySequence_Fast_GET_ITEM(fast, i)); /* no Python code runs */
            continue;
        }
        /* read again for each item, and held: a number's __float__ (Python code) may
         * change a list, and free its array and items */
        if (i >= PySequence_Fast_GET_SIZE(fast)) {
            PyErr_SetString(PyExc_RuntimeError, "a sequence of numbers changed size while read");
            out[i] = -1.0;
        } else {
            PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(fast, i));
            out[i] = PyFloat_AsDouble(item);
            Py_DECREF(item);
        }
        if (FAILED(out[i])) {
            PyMem_Free(out);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    return out;
}

/* online._sigmoid */
static double sigmoid(double x) {
    return x < -30 ? 0.0 : 1.0 / (1.0 + exp(-x));
}

PyDoc_STRVAR(symmetric_doc,
"symmetric(x, y) -> list\n\n"
"[(a + b) / 2 for a, b in zip(x, y, strict=True)]  (storyline.cluster.online)");

static PyObject *symmetric(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "symmetric takes 2 arguments");
        return NULL;
    }
    Py_ssize_t n, m;
    double *x = doubles_of(args[0], &n);
    double *y = x == NULL ? NULL : doubles_of(args[1], &m);
    PyObject *out = NULL;
    if (y == NULL) {
        goto done;
    }
    if (n != m) {
        PyErr_SetString(PyExc_ValueError, "symmetric: the two feature vectors differ in length");
        goto done;
    }
    out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *mean = PyFloat_FromDouble((x[i] + y[i]) / 2);
        if (mean == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, mean);
    }
done:
    PyMem_Free(x);
    PyMem_Free(y);
    return out;
}

/* linear_probability of doubles: n features, m weights */
static double linear_of(const double *x, Py_ssize_t n, const double *w, Py_ssize_t m, double bias) {
    Sum s = {0.0, 0.0};
    for (Py_ssize_t i = 0; i < n && i < m; i++) {
        sum_add(&s, w[i] * x[i]);
    }
    return sigmoid(bias + sum_result(&s));
}

/* interaction_probability of doubles (n features, m weights) into *out; -1 with an
 * exception set on failure */
static int interaction_of(const double *x, Py_ssize_t n, const double *w, Py_ssize_t m, double bias, double *out) {
    Py_ssize_t *nonzero = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n > 0 ? n : 1));
    if (nonzero == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (x[i] != 0.0) {
            nonzero[k++] = i;
        }
    }
    double z = bias;
    for (Py_ssize_t a = 0; a < k; a++) {
        Py_ssize_t i = nonzero[a];
        double xi = x[i];
        /* the products (i, j), j > i, row by row: as the reference indexes them */
        Py_ssize_t row = n + i * (n - 1) - i * (i - 1) / 2 - i - 1;
        Py_ssize_t last = a + 1 < k ? row + nonzero[k - 1] : i;
        if (i >= m || last >= m) {
            PyMem_Free(nonzero);
            PyErr_SetString(PyExc_IndexError, "list index out of range");
            return -1;
        }
        z += w[i] * xi;
        double inner = 0.0;
        for (Py_ssize_t b = a + 1; b < k; b++) {
            inner += w[row + nonzero[b]] * x[nonzero[b]];
        }
        z += xi * inner;
    }
    PyMem_Free(nonzero);
    *out = sigmoid(z);
    return 0;
}

PyDoc_STRVAR(linear_probability_doc,
"linear_probability(features, weights, bias) -> float\n\n"
"_sigmoid(bias + sum(map(operator.mul, weights, features)))  (storyline.cluster.online)");

static PyObject *linear_probability(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "linear_probability takes 3 arguments");
        return NULL;
    }
    double bias = PyFloat_AsDouble(args[2]);
    if (FAILED(bias)) {
        return NULL;
    }
    Py_ssize_t n, m;
    double *x = doubles_of(args[0], &n);
    double *w = x == NULL ? NULL : doubles_of(args[1], &m);
    if (w == NULL) {
        PyMem_Free(x);
        return NULL;
    }
    double p = linear_of(x, n, w, m, bias);
    PyMem_Free(x);
    PyMem_Free(w);
    return PyFloat_FromDouble(p);
}

PyDoc_STRVAR(interaction_probability_doc,
"interaction_probability(features, weights, bias) -> float\n\n"
"The probability of a model over the features and their pairwise products, without\n"
"building the products (storyline.cluster.online).");

static PyObject *interaction_probability(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "interaction_probability takes 3 arguments");
        return NULL;
    }
    double bias = PyFloat_AsDouble(args[2]);
    if (FAILED(bias)) {
        return NULL;
    }
    Py_ssize_t n, m;
    double *x = doubles_of(args[0], &n);
    double *w = x == NULL ? NULL : doubles_of(args[1], &m);
    double p;
    PyObject *out = w == NULL || interaction_of(x, n, w, m, bias, &p) < 0 ? NULL : PyFloat_FromDouble(p);
    PyMem_Free(x);
    PyMem_Free(w);
    return out;
}
