/* Hot loops of storyline in C: the clusterer's loops over sparse term -> weight dicts
 * (references in storyline/cluster/_sparse.py) and, for text mode's line classifier, the
 * split of a page into lines and the per-line word counts (references in
 * storyline/extract/_lines.py).
 *
 * Each function gives exactly what its pure-Python reference returns (the same
 * products, summed in the same order and in the same way as the running Python's
 * sum(): plain up to 3.11, compensated from 3.12), so no
 * result depends on whether this module was compiled (tests/test_speedups.py holds them
 * to that). It is optional: setup.py builds it where a C compiler is present, and
 * storyline runs without it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

/* A running sum of floats that adds as builtins.sum does for a list of floats. */
typedef struct {
    double total;
    double compensation;
} Sum;

static inline void sum_add(Sum *s, double x) {
#if PY_VERSION_HEX >= 0x030C0000
    /* Neumaier's improvement of Kahan summation, as CPython 3.12+ sum() */
    double t = s->total + x;
    if (fabs(s->total) >= fabs(x)) {
        s->compensation += (s->total - t) + x;
    } else {
        s->compensation += (x - t) + s->total;
    }
    s->total = t;
#else
    s->total += x;
#endif
}

static inline double sum_result(const Sum *s) {
#if PY_VERSION_HEX >= 0x030C0000
    if (s->compensation != 0.0 && isfinite(s->compensation)) {
        return s->total + s->compensation;
    }
#endif
    return s->total;
}

/* The clusterer's IDF cache class (storyline.cluster.features._IdfCache), once
 * registered: a term missing from one is computed here as its __missing__ computes it. */
static PyTypeObject *idf_cache_type = NULL;

/* As _IdfCache.__missing__: log((owner.n + 1) / (owner.df.get(term, 0) + 1)) + 1.0, stored
 * in the cache. 1 when computed (*out set), 0 where the inputs are not plain small ints
 * (the caller falls back to __missing__ itself), -1 with an exception set on failure. */
static PyObject *idf_owner_name, *idf_n_name, *idf_df_name; /* interned once, not made per term */

static int computed_idf(PyObject *idf, PyObject *term, double *out) {
    if (idf_df_name == NULL) {
        if ((idf_owner_name == NULL && (idf_owner_name = PyUnicode_InternFromString("owner")) == NULL)
                || (idf_n_name == NULL && (idf_n_name = PyUnicode_InternFromString("n")) == NULL)
                || (idf_df_name = PyUnicode_InternFromString("df")) == NULL) {
            return -1;
        }
    }
    PyObject *owner = PyObject_GetAttr(idf, idf_owner_name);
    if (owner == NULL) {
        return -1;
    }
    PyObject *n_obj = PyObject_GetAttr(owner, idf_n_name);
    PyObject *df = n_obj == NULL ? NULL : PyObject_GetAttr(owner, idf_df_name);
    Py_DECREF(owner);
    if (df == NULL) {
        Py_XDECREF(n_obj);
        return -1;
    }
    int done = 0;
    if (PyLong_CheckExact(n_obj) && PyDict_Check(df)) {
        long long n = PyLong_AsLongLong(n_obj);
        long long count = 0;
        PyObject *held = PyDict_GetItemWithError(df, term); /* dict.get: Counter does not override it */
        if (held != NULL && PyLong_CheckExact(held)) {
            count = PyLong_AsLongLong(held);
        } else if (held != NULL || PyErr_Occurred()) {
            count = -1; /* not a plain int, or an error: __missing__ decides */
        }
        /* small positive ints divide as Python's int / int does (both exact as doubles) */
        const long long exact = 1LL << 53;
        if (!PyErr_Occurred() && n >= 0 && n < exact && count >= 0 && count < exact) {
            *out = log((double)(n + 1) / (double)(count + 1)) + 1.0;
            PyObject *value = PyFloat_FromDouble(*out);
            done = value != NULL && PyDict_SetItem(idf, term, value) == 0 ? 1 : -1;
            Py_XDECREF(value);
        } else {
            PyErr_Clear();
        }
    }
    Py_DECREF(n_obj);
    Py_DECREF(df);
    return done;
}

/* idf[term] as a double: a dict lookup, else the mapping's own __getitem__ (the IDF
 * cache computes missing terms in __missing__; for the registered cache class this is
 * done here, the same way). Returns -1.0 with an exception set on failure (an IDF
 * weight is never negative). */
static double idf_of(PyObject *idf, PyObject *term) {
    PyObject *value = PyDict_GetItemWithError(idf, term);
    if (value != NULL) {
        return PyFloat_AsDouble(value);
    }
    if (PyErr_Occurred()) {
        return -1.0;
    }
    if (idf_cache_type != NULL && Py_TYPE(idf) == idf_cache_type) {
        double computed;
        int done = computed_idf(idf, term, &computed);
        if (done != 0) {
            return done > 0 ? computed : -1.0;
        }
    }
    value = PyObject_GetItem(idf, term);
    if (value == NULL) {
        return -1.0;
    }
    double out = PyFloat_AsDouble(value);
    Py_DECREF(value);
    return out;
}

#define FAILED(x) ((x) == -1.0 && PyErr_Occurred())

/* 0 where ``dict`` still has the ``size`` items it had when a walk of it began, else -1
 * with RuntimeError set, as a walk of its items raises in Python: Python code run for an
 * item (a key's __eq__, an IDF's __missing__) changed it. */
static int walk_changed(PyObject *dict, Py_ssize_t size) {
    if (PyDict_GET_SIZE(dict) == size) {
        return 0;
    }
    PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
    return -1;
}

static int shared_dot(PyObject *small, PyObject *large, PyObject *idf, double *out);

/* A bag entry's weight and its term's IDF; -1 with an exception set on failure. The
 * term is held while the IDF may be computed (Python code runs then). */
static int weight_and_idf(PyObject *idf, PyObject *term, PyObject *value, double *weight, double *term_idf) {
    *weight = PyFloat_AsDouble(value);
    if (FAILED(*weight)) {
        return -1;
    }
    Py_INCREF(term);
    *term_idf = idf_of(idf, term);
    Py_DECREF(term);
    return FAILED(*term_idf) ? -1 : 0;
}

PyDoc_STRVAR(weighted_dot_doc,
"weighted_dot(small, large, idf) -> float\n\n"
"sum([v * large[t] * idf[t] for t, v in small.items() if t in large])");

static PyObject *weighted_dot(PyObject *self, PyObject *args) {
    PyObject *small, *large, *idf;
    if (!PyArg_ParseTuple(args, "O!O!O!:weighted_dot", &PyDict_Type, &small, &PyDict_Type, &large,
                          &PyDict_Type, &idf)) {
        return NULL;
    }
    double total;
    int any = shared_dot(small, large, idf, &total);
    if (any < 0) {
        return NULL;
    }
    if (!any) {
        return PyLong_FromLong(0); /* sum([]) is the int 0 */
    }
    return PyFloat_FromDouble(total);
}

PyDoc_STRVAR(weighted_square_sum_doc,
"weighted_square_sum(bag, idf) -> float\n\n"
"sum([(w * idf[t]) ** 2 for t, w in bag.items()])");

static PyObject *weighted_square_sum(PyObject *self, PyObject *args) {
    PyObject *bag, *idf;
    if (!PyArg_ParseTuple(args, "O!O!:weighted_square_sum", &PyDict_Type, &bag, &PyDict_Type, &idf)) {
        return NULL;
    }
    Sum s = {0.0, 0.0};
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    if (PyDict_GET_SIZE(bag) == 0) {
        return PyLong_FromLong(0);
    }
    Py_ssize_t size = PyDict_GET_SIZE(bag);
    while (PyDict_Next(bag, &pos, &term, &value)) {
        double w, weight;
        if (weight_and_idf(idf, term, value, &w, &weight) < 0 || walk_changed(bag, size) < 0) {
            return NULL;
        }
        /* a product, as the reference squares (not pow(), which rounds otherwise at times) */
        double v = w * weight;
        sum_add(&s, v * v);
    }
    return PyFloat_FromDouble(sum_result(&s));
}

PyDoc_STRVAR(weighted_doc,
"weighted(bag, idf) -> dict\n\n"
"{t: w * idf[t] for t, w in bag.items()}");

static PyObject *weighted(PyObject *self, PyObject *args) {
    PyObject *bag, *idf;
    if (!PyArg_ParseTuple(args, "O!O!:weighted", &PyDict_Type, &bag, &PyDict_Type, &idf)) {
        return NULL;
    }
    PyObject *out = PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    Py_ssize_t size = PyDict_GET_SIZE(bag);
    while (PyDict_Next(bag, &pos, &term, &value)) {
        double w, weight;
        Py_INCREF(term); /* held: the IDF's __missing__ may take it out of the bag */
        int status = weight_and_idf(idf, term, value, &w, &weight);
        PyObject *product = status < 0 ? NULL : PyFloat_FromDouble(w * weight);
        status = product == NULL ? -1 : PyDict_SetItem(out, term, product);
        Py_XDECREF(product);
        Py_DECREF(term);
        if (status < 0 || walk_changed(bag, size) < 0) {
            goto fail;
        }
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* bag[term] = bag.get(term, 0.0) + value; with ``squared`` not NULL, the bag's
 * IDF-weighted squared norm updated for it as add_into's reference does (``idf`` a dict
 * then). -1 with an exception set on failure. */
static int add_term(PyObject *bag, PyObject *term, PyObject *value, PyObject *idf, double *squared) {
    double weight = PyFloat_AsDouble(value);
    if (FAILED(weight)) {
        return -1;
    }
    PyObject *current = PyDict_GetItemWithError(bag, term);
    double old = 0.0;
    if (current != NULL) {
        old = PyFloat_AsDouble(current);
        if (FAILED(old)) {
            return -1;
        }
    } else if (PyErr_Occurred()) {
        return -1;
    }
    double updated = old + weight;
    PyObject *number = PyFloat_FromDouble(updated);
    if (number == NULL) {
        return -1;
    }
    Py_INCREF(term); /* held while the IDF may be computed (Python code runs then) */
    int done = PyDict_SetItem(bag, term, number);
    Py_DECREF(number);
    if (done == 0 && squared != NULL) {
        double w = idf_of(idf, term);
        if (FAILED(w)) {
            done = -1;
        } else {
            *squared += (updated * updated - old * old) * (w * w);
        }
    }
    Py_DECREF(term);
    return done;
}

/* Adds ``part``'s weights into ``bag`` (dicts), as add_term adds each. */
static int add_terms(PyObject *bag, PyObject *part, PyObject *idf, double *squared) {
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    Py_ssize_t size = PyDict_GET_SIZE(part);
    while (PyDict_Next(part, &pos, &term, &value)) {
        /* held: the bag's lookups and the IDF may run Python code (a key's __eq__,
         * __missing__), which may take them out of ``part`` */
        Py_INCREF(term);
        Py_INCREF(value);
        int status = add_term(bag, term, value, idf, squared);
        Py_DECREF(term);
        Py_DECREF(value);
        if (status < 0 || walk_changed(part, size) < 0) {
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(add_into_doc,
"add_into(bag, part, idf, squared) -> float | None\n\n"
"Add ``part``'s weights into ``bag``; with ``squared`` (the bag's IDF-weighted squared\n"
"norm) given, return it updated term by term, else return None.");

static PyObject *add_into(PyObject *self, PyObject *args) {
    PyObject *bag, *part, *idf, *squared_arg;
    if (!PyArg_ParseTuple(args, "O!O!OO:add_into", &PyDict_Type, &bag, &PyDict_Type, &part, &idf,
                          &squared_arg)) {
        return NULL;
    }
    if (squared_arg == Py_None) {
        if (add_terms(bag, part, NULL, NULL) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "add_into: idf must be a dict when squared is given");
        return NULL;
    }
    double squared = PyFloat_AsDouble(squared_arg);
    if (FAILED(squared) || add_terms(bag, part, idf, &squared) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(squared);
}

PyDoc_STRVAR(square_sum_doc,
"square_sum(vec) -> float\n\n"
"sum(map(operator.mul, vec.values(), vec.values()))");

static PyObject *square_sum(PyObject *self, PyObject *arg) {
    if (!PyDict_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "square_sum: a dict is needed");
        return NULL;
    }
    if (PyDict_GET_SIZE(arg) == 0) {
        return PyLong_FromLong(0);
    }
    Sum s = {0.0, 0.0};
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (PyDict_Next(arg, &pos, &term, &value)) {
        double v = PyFloat_AsDouble(value);
        if (FAILED(v)) {
            return NULL;
        }
        sum_add(&s, v * v);
    }
    return PyFloat_FromDouble(sum_result(&s));
}

/* ---- The stream's bookkeeping and retrieval: the inverted index of active stories
 * (storyline/cluster/online.py) and StoryFeatures.add's sums (features.py); references
 * in storyline/cluster/_sparse.py. ---- */

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

/* A story's summed score, in the order stories were first seen: its id (an int, held)
 * and that id's hash. */
typedef struct {
    Py_hash_t hash;
    PyObject *sid;
    double score;
} StoryScore;

#define SMALL_SCORES 128

/* Scores by story id: ``entries`` in first-seen order, and an open-addressing table of
 * ``slots`` (1 + an entry's index; 0: empty) at most half full; in the struct's own
 * arrays while they have room (most retrievals: no allocation). */
typedef struct {
    StoryScore *entries;
    Py_ssize_t n, capacity;
    Py_ssize_t *slots;
    size_t mask;
    StoryScore small_entries[SMALL_SCORES];
    Py_ssize_t small_slots[2 * SMALL_SCORES];
} ScoreTable;

static inline size_t hash_slot(Py_hash_t hash, size_t mask) {
    uint64_t h = (uint64_t)hash * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static void table_init(ScoreTable *t) {
    t->entries = t->small_entries;
    t->slots = t->small_slots;
    t->n = 0;
    t->capacity = SMALL_SCORES;
    t->mask = 2 * SMALL_SCORES - 1;
    memset(t->small_slots, 0, sizeof(t->small_slots));
}

static void table_free(ScoreTable *t) {
    for (Py_ssize_t i = 0; i < t->n; i++) {
        Py_DECREF(t->entries[i].sid);
    }
    if (t->entries != t->small_entries) {
        PyMem_Free(t->entries);
        PyMem_Free(t->slots);
    }
}

/* Doubles the room for entries; -1 with an exception set on failure. */
static int table_grow(ScoreTable *t) {
    Py_ssize_t capacity = 2 * t->capacity;
    size_t size = (size_t)capacity * 2;
    StoryScore *entries = PyMem_Malloc((size_t)capacity * sizeof(StoryScore));
    Py_ssize_t *slots = PyMem_Calloc(size, sizeof(Py_ssize_t));
    if (entries == NULL || slots == NULL) {
        PyMem_Free(entries);
        PyMem_Free(slots);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(entries, t->entries, (size_t)t->n * sizeof(StoryScore));
    if (t->entries != t->small_entries) {
        PyMem_Free(t->entries);
        PyMem_Free(t->slots);
    }
    t->entries = entries;
    t->slots = slots;
    t->mask = size - 1;
    t->capacity = capacity;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        size_t s = hash_slot(entries[i].hash, t->mask);
        while (slots[s] != 0) {
            s = (s + 1) & t->mask;
        }
        slots[s] = i + 1;
    }
    return 0;
}

/* A story id's value; -1 with an exception set on failure. */
static int sid_value(PyObject *sid, long long *value) {
    if (!PyLong_Check(sid)) {
        PyErr_SetString(PyExc_TypeError, "top_by_shared_keys: story ids must be ints");
        return -1;
    }
    *value = PyLong_AsLongLong(sid);
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

/* Whether two story ids of one hash are the same story: 1, 0, -1 with an exception set.
 * The index holds each story's id as one object where it can (top_by_shared_keys
 * returns the objects it holds), so the values are seldom read. */
static int same_sid(PyObject *a, PyObject *b) {
    long long x, y;
    if (a == b) {
        return 1;
    }
    if (sid_value(a, &x) < 0 || sid_value(b, &y) < 0) {
        return -1;
    }
    return x == y;
}

/* scores[sid] = scores.get(sid, 0.0) + weight, for ``sid`` of ``hash``; -1 with an
 * exception set on failure. */
static int table_add(ScoreTable *t, PyObject *sid, Py_hash_t hash, double weight) {
    size_t s = hash_slot(hash, t->mask);
    Py_ssize_t at;
    while ((at = t->slots[s]) != 0) {
        StoryScore *e = &t->entries[at - 1];
        if (e->hash == hash) {
            int same = same_sid(e->sid, sid);
            if (same < 0) {
                return -1;
            }
            if (same) {
                e->score += weight;
                return 0;
            }
        }
        s = (s + 1) & t->mask;
    }
    long long value;
    if (sid_value(sid, &value) < 0) {
        return -1;
    }
    if (t->n == t->capacity) {
        if (table_grow(t) < 0) {
            return -1;
        }
        s = hash_slot(hash, t->mask);
        while (t->slots[s] != 0) {
            s = (s + 1) & t->mask;
        }
    }
    StoryScore *e = &t->entries[t->n];
    e->hash = hash;
    e->sid = Py_NewRef(sid);
    e->score = 0.0 + weight;
    t->slots[s] = ++t->n;
    return 0;
}

/* Adds ``weight`` to the score of each story in ``holders``; -1 with an exception set. */
static int score_holders(ScoreTable *t, PyObject *holders, double weight) {
    PyObject *sid;
    Py_hash_t hash;
#if PY_VERSION_HEX < 0x030D0000
    if (PyAnySet_CheckExact(holders)) {
        /* the set's own walk, with the hashes it keeps: no iterator, no reference counting */
        Py_ssize_t pos = 0;
        while (_PySet_NextEntry(holders, &pos, &sid, &hash)) {
            if (table_add(t, sid, hash, weight) < 0) {
                return -1;
            }
        }
        return 0;
    }
#endif
    PyObject *members = PyObject_GetIter(holders);
    if (members == NULL) {
        return -1;
    }
    while ((sid = PyIter_Next(members)) != NULL) {
        hash = PyObject_Hash(sid);
        int failed = hash == -1 || table_add(t, sid, hash, weight) < 0;
        Py_DECREF(sid);
        if (failed) {
            Py_DECREF(members);
            return -1;
        }
    }
    Py_DECREF(members);
    return PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(top_by_shared_keys_doc,
"top_by_shared_keys(keys, index, idf, most, limit) -> list\n\n"
"The stories (int ids) by their summed idf[key] over the ``keys`` whose holder set in\n"
"``index`` is non-empty and holds at most ``most`` of them: all, in first-seen order,\n"
"where there are no more than ``limit``, else the ``limit`` best, best first, ties in\n"
"first-seen order (as sorted(scores, key=scores.__getitem__, reverse=True)[:limit]).");

static PyObject *top_by_shared_keys(PyObject *self, PyObject *args) {
    PyObject *keys, *index, *idf;
    Py_ssize_t most, limit;
    if (!PyArg_ParseTuple(args, "OO!O!nn:top_by_shared_keys", &keys, &PyDict_Type, &index, &PyDict_Type,
                          &idf, &most, &limit)) {
        return NULL;
    }
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "top_by_shared_keys: limit must not be negative");
        return NULL;
    }
    ScoreTable t;
    table_init(&t);
    PyObject *out = NULL, *iter = PyObject_GetIter(keys);
    Py_ssize_t *order = NULL;
    if (iter == NULL) {
        goto done;
    }
    PyObject *key;
    while ((key = PyIter_Next(iter)) != NULL) {
        PyObject *holders = PyDict_GetItemWithError(index, key); /* borrowed; .get(): no default */
        Py_ssize_t n = 0;
        if (holders != NULL) {
            Py_INCREF(holders); /* held while the IDF may be computed (Python code runs then) */
            n = PyObject_Size(holders);
        }
        if (n <= 0 || n > most) {
            Py_XDECREF(holders);
            Py_DECREF(key);
            if (PyErr_Occurred()) {
                goto done;
            }
            continue;
        }
        double weight = idf_of(idf, key);
        Py_DECREF(key);
        int failed = FAILED(weight) || score_holders(&t, holders, weight) < 0;
        Py_DECREF(holders);
        if (failed) {
            goto done;
        }
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    /* the entries to return, in order: all where no more than limit, else the best */
    Py_ssize_t count = t.n <= limit ? t.n : limit;
    order = PyMem_Malloc((size_t)(count > 0 ? count : 1) * sizeof(Py_ssize_t));
    if (order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (t.n <= limit) {
        for (Py_ssize_t i = 0; i < count; i++) {
            order[i] = i;
        }
    } else {
        if (best_of((const char *)&t.entries[0].score, sizeof(StoryScore), t.n, count, order) < 0) {
            goto done;
        }
    }
    out = PyList_New(count);
    if (out == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyList_SET_ITEM(out, i, Py_NewRef(t.entries[order[i]].sid));
    }
done:
    Py_XDECREF(iter);
    PyMem_Free(order);
    table_free(&t);
    return out;
}

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

/* norms.pop(name, None); -1 with an exception set on failure. */
static int drop_norm(PyObject *norms, PyObject *name) {
    int held = PyDict_Contains(norms, name);
    return held <= 0 ? held : PyDict_DelItem(norms, name);
}

/* The cached norm to update while adding into the bag ``name``: 1 with *squared set to
 * its square where ``idf`` is a dict and norms holds one, 0 where not, -1 on failure. */
static int live_norm(PyObject *norms, PyObject *idf, PyObject *name, double *squared) {
    if (idf == Py_None) {
        return 0;
    }
    PyObject *norm = PyDict_GetItemWithError(norms, name);
    if (norm == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    double value = PyFloat_AsDouble(norm);
    if (FAILED(value)) {
        return -1;
    }
    *squared = value * value;
    return 1;
}

/* One entity kind's bag while add_bags splits the entities; a two-character kind (all
 * of the clusterer's) is also known by its characters. */
typedef struct {
    PyObject *kind, *bag;
    int live, two_chars;
    Py_UCS4 first, second;
    double squared;
} KindPart;

/* The kind of ``split`` that a str term of two or more characters opens with, by its
 * characters (no slice made), or NULL. */
static KindPart *kind_by_chars(KindPart *split, Py_ssize_t used, PyObject *term) {
    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2) {
        return NULL;
    }
    Py_UCS4 first = PyUnicode_READ_CHAR(term, 0), second = PyUnicode_READ_CHAR(term, 1);
    for (Py_ssize_t k = 0; k < used; k++) {
        if (split[k].two_chars && split[k].first == first && split[k].second == second) {
            return &split[k];
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
    if (idf != Py_None && !PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "add_bags: idf must be a dict or None");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i), *bag = PyTuple_GET_ITEM(bags, i);
        PyObject *part = PyTuple_GET_ITEM(parts, i);
        if (!PyDict_Check(bag) || !PyDict_Check(part)) {
            PyErr_SetString(PyExc_TypeError, "add_bags: bags and parts must be dicts");
            return NULL;
        }
        if (PyDict_GET_SIZE(part) == 0) {
            continue; /* a headline's body, say: bag and norm stay as they are */
        }
        double squared = 0.0;
        int live = live_norm(norms, idf, name, &squared);
        if (live < 0 || add_terms(bag, part, live ? idf : NULL, live ? &squared : NULL) < 0) {
            return NULL;
        }
        if ((live ? set_norm(norms, name, squared) : drop_norm(norms, name)) < 0) {
            return NULL;
        }
    }
    Py_ssize_t size = PyDict_GET_SIZE(entities);
    if (size == 0) {
        Py_RETURN_NONE;
    }
    /* each kind's terms in entity order, its norm updated over them alone: what adding
     * the split-off bags one after another does */
    KindPart few[4];
    KindPart *split = size <= 4 ? few : PyMem_Malloc((size_t)size * sizeof(KindPart));
    if (split == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t used = 0, pos = 0, seen = 0;
    PyObject *term, *value, *out = NULL;
    /* the ``size`` entities split at the start, as the reference splits them before it
     * adds: entities that Python code run here adds (an IDF's __missing__) are not, and
     * there are no more kinds than ``split`` has room for */
    while (seen++ < size && PyDict_Next(entities, &pos, &term, &value)) {
        KindPart *at = kind_by_chars(split, used, term);
        PyObject *kind = at == NULL ? PySequence_GetSlice(term, 0, 2) : NULL;
        if (at == NULL && kind == NULL) {
            goto done;
        }
        for (Py_ssize_t k = 0; k < used && at == NULL; k++) {
            int same = PyObject_RichCompareBool(kind, split[k].kind, Py_EQ);
            if (same < 0) {
                Py_DECREF(kind);
                goto done;
            }
            at = same ? &split[k] : NULL;
        }
        if (at == NULL) {
            PyObject *bag = PyDict_GetItemWithError(kinds, kind);
            if (bag == NULL || !PyDict_Check(bag)) {
                if (bag != NULL) {
                    PyErr_SetString(PyExc_TypeError, "add_bags: the kinds' bags must be dicts");
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
                at->first = PyUnicode_READ_CHAR(kind, 0);
                at->second = PyUnicode_READ_CHAR(kind, 1);
            }
            at->live = live_norm(norms, idf, kind, &at->squared);
            if (at->live < 0) {
                goto done;
            }
        } else {
            Py_XDECREF(kind);
        }
        if (add_term(at->bag, term, value, at->live ? idf : NULL, at->live ? &at->squared : NULL) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < used; k++) {
        if ((split[k].live ? set_norm(norms, split[k].kind, split[k].squared) : drop_norm(norms, split[k].kind)) < 0) {
            goto done;
        }
    }
    out = Py_NewRef(Py_None);
done:
    for (Py_ssize_t k = 0; k < used; k++) {
        Py_DECREF(split[k].kind);
        Py_DECREF(split[k].bag);
    }
    if (split != few) {
        PyMem_Free(split);
    }
    return out;
}

/* index[key], a new set where there is none (borrowed); NULL with an exception set. */
static PyObject *holders_of(PyObject *index, PyObject *key) {
    PyObject *holders = PyDict_GetItemWithError(index, key);
    if (holders == NULL && !PyErr_Occurred()) {
        holders = PySet_New(NULL);
        if (holders != NULL) {
            int failed = PyDict_SetItem(index, key, holders) < 0;
            Py_DECREF(holders); /* the index holds it */
            holders = failed ? NULL : holders;
        }
    }
    if (holders != NULL && !PySet_Check(holders)) {
        PyErr_SetString(PyExc_TypeError, "the index holds sets");
        return NULL;
    }
    return holders;
}

PyDoc_STRVAR(file_keys_doc,
"file_keys(index, keys, sid) -> None\n\n"
"Files story ``sid`` under each of ``keys``: sid added to index[key] (a new set where\n"
"there is none).");

static PyObject *file_keys(PyObject *self, PyObject *args) {
    PyObject *index, *keys, *sid;
    if (!PyArg_ParseTuple(args, "O!OO:file_keys", &PyDict_Type, &index, &keys, &sid)) {
        return NULL;
    }
    PyObject *iter = PyObject_GetIter(keys);
    if (iter == NULL) {
        return NULL;
    }
    PyObject *key;
    while ((key = PyIter_Next(iter)) != NULL) {
        PyObject *holders = holders_of(index, key);
        int failed = holders == NULL || PySet_Add(holders, sid) < 0;
        Py_DECREF(key);
        if (failed) {
            Py_DECREF(iter);
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Takes ``sid`` out of index[key] for each of ``keys``, and drops the key where no story
 * is left under it; -1 with an exception set on failure. */
static int unfile(PyObject *index, PyObject *keys, PyObject *sid) {
    PyObject *iter = PyObject_GetIter(keys);
    if (iter == NULL) {
        return -1;
    }
    PyObject *key;
    while ((key = PyIter_Next(iter)) != NULL) {
        PyObject *holders = PyDict_GetItemWithError(index, key);
        int failed = 0;
        if (holders != NULL) {
            if (!PySet_Check(holders)) {
                PyErr_SetString(PyExc_TypeError, "unfile_keys: the index holds sets");
                failed = 1;
            } else {
                failed = PySet_Discard(holders, sid) < 0
                         || (PySet_GET_SIZE(holders) == 0 && PyDict_DelItem(index, key) < 0);
            }
        } else {
            failed = PyErr_Occurred() != NULL;
        }
        Py_DECREF(key);
        if (failed) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(unfile_keys_doc,
"unfile_keys(index, key_lists, sid) -> None\n\n"
"Takes story ``sid`` out of index[key] for each key of each of ``key_lists`` (its\n"
"members' keys), and drops the keys no story is left under.");

static PyObject *unfile_keys(PyObject *self, PyObject *args) {
    PyObject *index, *key_lists, *sid;
    if (!PyArg_ParseTuple(args, "O!OO:unfile_keys", &PyDict_Type, &index, &key_lists, &sid)) {
        return NULL;
    }
    PyObject *iter = PyObject_GetIter(key_lists);
    if (iter == NULL) {
        return NULL;
    }
    PyObject *keys;
    while ((keys = PyIter_Next(iter)) != NULL) {
        int failed = unfile(index, keys, sid) < 0;
        Py_DECREF(keys);
        if (failed) {
            Py_DECREF(iter);
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* counts[term] = counts.get(term, 0) + 1 unless ``term`` (of bags[i]) is in one of the
 * bags before it (counted there): 0, or -1 with an exception set. The term is held: the
 * lookups may run Python code (a key's __eq__) that takes it out of its bag. */
static int count_term_once(PyObject *counts, PyObject *bags, Py_ssize_t i, PyObject *term) {
    Py_INCREF(term);
    int met = 0; /* in an earlier bag: counted there */
    for (Py_ssize_t j = 0; j < i && met == 0; j++) {
        met = PyDict_Contains(PyTuple_GET_ITEM(bags, j), term);
    }
    PyObject *count = met != 0 ? NULL : PyDict_GetItemWithError(counts, term);
    PyObject *next = NULL;
    if (met == 0 && count == NULL && !PyErr_Occurred()) {
        next = PyLong_FromLong(1);
    } else if (count != NULL) {
        PyObject *one = PyLong_FromLong(1);
        Py_INCREF(count); /* held while it adds */
        next = one == NULL ? NULL : PyNumber_Add(count, one);
        Py_DECREF(count);
        Py_XDECREF(one);
    }
    int status = met < 0 ? -1 : met > 0 ? 0 : next == NULL ? -1 : PyDict_SetItem(counts, term, next);
    Py_XDECREF(next);
    Py_DECREF(term);
    return status;
}

PyDoc_STRVAR(count_terms_doc,
"count_terms(counts, bags) -> None\n\n"
"Each term of the dicts in the tuple ``bags`` counted once in ``counts`` (a dict of int:\n"
"counts[term] = counts.get(term, 0) + 1), in the order the terms are first met.");

static PyObject *count_terms(PyObject *self, PyObject *args) {
    PyObject *counts, *bags;
    if (!PyArg_ParseTuple(args, "O!O!:count_terms", &PyDict_Type, &counts, &PyTuple_Type, &bags)) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(bags);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyDict_Check(PyTuple_GET_ITEM(bags, i))) {
            PyErr_SetString(PyExc_TypeError, "count_terms: the bags must be dicts");
            return NULL;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *bag = PyTuple_GET_ITEM(bags, i), *term, *weight;
        Py_ssize_t pos = 0;
        while (PyDict_Next(bag, &pos, &term, &weight)) {
            if (count_term_once(counts, bags, i, term) < 0) {
                return NULL;
            }
        }
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
    if (!PyArg_ParseTuple(args, "O!O!n:best_terms", &PyDict_Type, &bag, &PyDict_Type, &idf, &keep)) {
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
    while (i < n && PyDict_Next(bag, &pos, &term, &weight)) {
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
    out = PyDict_New();
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

/* ---- The clusterer's scoring kernel (references: story_cosine, text_cosine,
 * rank_stories, pair_features, fill_vectors, fresh_norms_of and top_entities_of in
 * storyline/cluster/features.py; symmetric, interaction_probability, linear_probability
 * and best_story, the stream's join decision, in storyline/cluster/online.py). Each
 * reads the slots and fields its reference reads and caches a story's norms in its
 * ``_norms`` dict as the reference does, in the same order. ---- */

#include <structmember.h> /* T_OBJECT_EX: a slot's member type */

/* Attribute names and dict keys of the kernel, interned once. */
enum {
    K_FEATURES, K_TITLE, K_TITLE_NORM, K_BODY, K_BODY_NORM, K_ALL, K_ALL_NORM, K_ENTITIES,
    K_ENTITY_NORM, K_KINDS, K_YEARS, K_YEARS_NORM, K_NUMBERS, K_MAIN, K_DAY, K_WEEKDAYS,
    K_MONTHS, K_HEADLINE_ONLY, K_YEAR_BAG, K_SIZE, K_DAY_SUM, K_DAY_N, K_WEIGHTS,
    K_PEOPLE, K_PLACES, K_ORGS, K_NORMS, K_TOP, K_N, K_LAST_DAY, K_COUNT
};
static const char *const kernel_names[K_COUNT] = {
    "features", "title", "title_norm", "body", "body_norm", "all", "all_norm", "entities",
    "entity_norm", "kinds", "years", "years_norm", "numbers", "main", "day", "weekdays",
    "months", "headline_only", "year_bag", "size", "day_sum", "day_n", "weights",
    "p:", "l:", "o:", "_norms", "_top", "n", "last_day",
};
static PyObject *kernel_str[K_COUNT];

static int kernel_ready(void) {
    if (kernel_str[K_COUNT - 1] != NULL) {
        return 0;
    }
    for (int i = 0; i < K_COUNT; i++) {
        if (kernel_str[i] == NULL && (kernel_str[i] = PyUnicode_InternFromString(kernel_names[i])) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* The new references a call holds, released together at its end. */
typedef struct {
    PyObject *items[64]; /* pair_features holds 46 at most */
    int n;
} Held;

static PyObject *hold(Held *h, PyObject *obj) {
    if (obj != NULL && h->n == (int)(sizeof h->items / sizeof h->items[0])) {
        Py_DECREF(obj);
        PyErr_SetString(PyExc_SystemError, "the scoring kernel holds too many references");
        return NULL;
    }
    if (obj != NULL) {
        h->items[h->n++] = obj;
    }
    return obj;
}

/* Where a __slots__ class (ArticleVectors, StoryFeatures) keeps each of the kernel's
 * names: the offsets of its member descriptors, learnt once per class and version of it
 * (a class changed since is learnt again); 0 where a name is no plain slot. Reading the
 * slot is what getattr does for such a class, without the lookups. */
typedef struct {
    PyTypeObject *type; /* a strong reference */
    unsigned int version;
    Py_ssize_t offset[K_COUNT];
} SlotMap;
static SlotMap slot_maps[4];
static int next_slot_map = 0;

static const Py_ssize_t *slot_offsets(PyTypeObject *type) {
    if (type->tp_getattro != PyObject_GenericGetAttr) {
        return NULL; /* a class with its own __getattribute__ or __getattr__ */
    }
    int valid = PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG);
    for (int i = 0; i < 4; i++) {
        if (slot_maps[i].type == type) {
            if (valid && slot_maps[i].version == type->tp_version_tag) {
                return slot_maps[i].offset;
            }
            break;
        }
    }
    SlotMap map = {.type = type};
    for (int k = 0; k < K_COUNT; k++) {
        PyObject *descr = PyObject_GetAttr((PyObject *)type, kernel_str[k]);
        if (descr == NULL) {
            PyErr_Clear();
            continue;
        }
        /* a slot of the class or of a base: a member descriptor of an unrelated class
         * (set as an attribute of this one) has an offset into that class's instances,
         * and getattr refuses it */
        if (Py_IS_TYPE(descr, &PyMemberDescr_Type) && PyType_IsSubtype(type, ((PyDescrObject *)descr)->d_type)) {
            PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
            if (member->type == T_OBJECT_EX) {
                map.offset[k] = member->offset;
            }
        }
        Py_DECREF(descr);
    }
    if (!PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return NULL; /* no version to check it by: getattr each time */
    }
    map.version = type->tp_version_tag;
    int at = 0;
    while (at < 4 && slot_maps[at].type != type) {
        at++;
    }
    if (at == 4) {
        at = next_slot_map;
        next_slot_map = (next_slot_map + 1) % 4;
    }
    Py_INCREF(type);
    Py_XSETREF(slot_maps[at].type, type);
    slot_maps[at] = map;
    return slot_maps[at].offset;
}

/* getattr(obj, name), held. */
static PyObject *held_attr(Held *h, PyObject *obj, int name) {
    const Py_ssize_t *offsets = slot_offsets(Py_TYPE(obj));
    if (offsets != NULL && offsets[name] != 0) {
        PyObject *value = *(PyObject **)((char *)obj + offsets[name]);
        if (value != NULL) {
            Py_INCREF(value);
            return hold(h, value);
        }
    }
    return hold(h, PyObject_GetAttr(obj, kernel_str[name])); /* an unset slot raises here */
}

static void release(Held *h) {
    while (h->n > 0) {
        Py_DECREF(h->items[--h->n]);
    }
}

/* a story's norm cache is emptied once the corpus has grown past this factor of the
 * count it was filled at, plus 20 (features.NORM_REFRESH_GROWTH) */
#define NORM_REFRESH_GROWTH 1.5

/* Whether a norm cache filled at corpus size ``cached`` is stale at size ``count``:
 * count > NORM_REFRESH_GROWTH * cached + 20, as Python compares them; 1, 0 or -1 with an
 * exception set. Exact ints below 2**53 (all real counts) convert to doubles exactly. */
static int outgrown(PyObject *count, PyObject *cached) {
    if (PyLong_CheckExact(count) && PyLong_CheckExact(cached)) {
        int overflow_count, overflow_cached;
        long long m = PyLong_AsLongLongAndOverflow(count, &overflow_count);
        long long n = PyLong_AsLongLongAndOverflow(cached, &overflow_cached);
        const long long exact = 1LL << 53;
        if (!overflow_count && !overflow_cached && m > -exact && m < exact && n > -exact && n < exact) {
            return (double)m > NORM_REFRESH_GROWTH * (double)n + 20.0;
        }
        if (PyErr_Occurred()) {
            return -1;
        }
    }
    PyObject *growth = PyFloat_FromDouble(NORM_REFRESH_GROWTH);
    PyObject *scaled = growth == NULL ? NULL : PyNumber_Multiply(growth, cached);
    PyObject *twenty = scaled == NULL ? NULL : PyLong_FromLong(20);
    PyObject *limit = twenty == NULL ? NULL : PyNumber_Add(scaled, twenty);
    int stale = limit == NULL ? -1 : PyObject_RichCompareBool(count, limit, Py_GT);
    Py_XDECREF(growth);
    Py_XDECREF(scaled);
    Py_XDECREF(twenty);
    Py_XDECREF(limit);
    return stale;
}

/* fresh_norms_of(story, df): the story's cached norms (its ``_norms`` dict), emptied first
 * if the corpus has outgrown them; a new reference, NULL with an exception set. */
static PyObject *story_norms(PyObject *story, PyObject *df) {
    Held h = {.n = 0};
    PyObject *norms = held_attr(&h, story, K_NORMS);
    PyObject *count = norms == NULL ? NULL : held_attr(&h, df, K_N);
    if (count == NULL) {
        goto fail;
    }
    if (!PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "a story's norm cache must be a dict");
        goto fail;
    }
    PyObject *cached = PyDict_GetItemWithError(norms, kernel_str[K_N]);
    if (cached == NULL && PyErr_Occurred()) {
        goto fail;
    }
    int stale = 1;
    if (cached != NULL && cached != Py_None) { /* norms.get("n") is None: as if missing */
        Py_INCREF(cached); /* the comparison may run Python code */
        stale = outgrown(count, hold(&h, cached));
        if (stale < 0) {
            goto fail;
        }
    }
    if (stale) {
        PyDict_Clear(norms);
        if (PyDict_SetItem(norms, kernel_str[K_N], count) < 0) {
            goto fail;
        }
    }
    Py_INCREF(norms);
    release(&h);
    return norms;
fail:
    release(&h);
    return NULL;
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
static int weight_less(PyObject *a, PyObject *b) {
    if (PyFloat_CheckExact(a) && PyFloat_CheckExact(b)) {
        return PyFloat_AS_DOUBLE(a) < PyFloat_AS_DOUBLE(b);
    }
    return PyObject_RichCompareBool(a, b, Py_LT);
}

/* top_entities_of(story): the story's TOP_ENTITIES most mentioned names (a frozenset; ties
 * in insertion order, as a stable sort gives them), cached in its ``_top`` as (size,
 * names) until it grows; a new reference, NULL with an exception set. */
static PyObject *story_top(PyObject *story) {
    Held h = {.n = 0};
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
    int grown = PyObject_RichCompareBool(PyTuple_GET_ITEM(top, 0), size, Py_NE);
    if (grown <= 0) {
        out = grown < 0 ? NULL : Py_NewRef(PyTuple_GET_ITEM(top, 1));
        goto done;
    }
    PyObject *entities = held_attr(&h, story, K_ENTITIES);
    if (entities == NULL) {
        goto done;
    }
    if (!PyDict_Check(entities)) {
        PyErr_SetString(PyExc_TypeError, "a story's entities must be a dict");
        goto done;
    }
    /* a name goes before the first one it outweighs */
    Py_ssize_t pos = 0;
    PyObject *name, *weight;
    while (PyDict_Next(entities, &pos, &name, &weight)) {
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
    PyObject *best = hold(&h, PyTuple_New(kept));
    if (best == NULL) {
        goto done;
    }
    for (Py_ssize_t j = 0; j < kept; j++) {
        PyTuple_SET_ITEM(best, j, Py_NewRef(names[j]));
    }
    PyObject *found = hold(&h, PyFrozenSet_New(best));
    PyObject *cache = found == NULL ? NULL : hold(&h, PyTuple_Pack(2, size, found));
    if (cache != NULL && PyObject_SetAttr(story, kernel_str[K_TOP], cache) == 0) {
        out = Py_NewRef(found);
    }
done:
    for (Py_ssize_t j = 0; j < kept; j++) {
        Py_DECREF(names[j]);
        Py_DECREF(weights[j]);
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

/* weighted_dot's sum: 1 with *out set, 0 where no term is shared (the reference's sum([])),
 * -1 with an exception set on failure. */
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
        PyObject *other = PyDict_GetItemWithError(large, term);
        int status = other == NULL && PyErr_Occurred() ? -1 : 0;
        if (other != NULL) {
            double w = PyFloat_AsDouble(other); /* read before the IDF lookup may run Python code */
            double v, weight;
            if (FAILED(w) || weight_and_idf(idf, term, value, &v, &weight) < 0) {
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

/* A story bag's norm as _norm caches it in ``norms`` under ``name``; -1.0 with an
 * exception set on failure. */
static double cached_norm(PyObject *norms, PyObject *name, PyObject *bag, PyObject *idf) {
    PyObject *cached = PyDict_GetItemWithError(norms, name);
    if (cached != NULL) {
        return PyFloat_AsDouble(cached);
    }
    if (PyErr_Occurred()) {
        return -1.0;
    }
    Sum s = {0.0, 0.0};
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

/* story_cosine on objects; -1 with an exception set on failure. */
static int cosine_of(PyObject *vec, PyObject *norm_obj, PyObject *bag, PyObject *norms, PyObject *name,
                     PyObject *idf, double *out) {
    if (!PyDict_Check(vec) || !PyDict_Check(bag)) {
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
    int any = PyDict_GET_SIZE(vec) > PyDict_GET_SIZE(bag) ? shared_dot(bag, vec, idf, &total)
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
    if (!PyDict_Check(args[3]) || !PyDict_Check(args[5])) {
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
    Held h = {.n = 0};
    double out;
    PyObject *idf = held_attr(&h, args[2], K_WEIGHTS);
    PyObject *norms = idf == NULL ? NULL : hold(&h, story_norms(args[1], args[2]));
    if (norms == NULL) {
        goto fail;
    }
    if (!PyDict_Check(idf) || !PyDict_Check(norms)) {
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
    Held h = {.n = 0};
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
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "rank_stories: the IDF weights must be a dict");
        goto done;
    }
    /* every cosine first, in candidate order (the norms they cache, the IDF weights they
     * compute), as the reference's dict of them */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *story = PyDict_GetItemWithError(stories, sids[i]);
        if (story == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, sids[i]);
            }
            goto done;
        }
        Held each = {.n = 0};
        Py_INCREF(story);
        hold(&each, story);
        PyObject *norms = hold(&each, story_norms(story, df));
        PyObject *bag = norms == NULL ? NULL : held_attr(&each, story, K_ALL);
        int failed = bag == NULL || !PyDict_Check(norms)
                     || cosine_of(vec, vec_norm, bag, norms, kernel_str[K_ALL], idf, &cosines[i]) < 0;
        release(&each);
        if (failed) {
            goto done;
        }
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

/* "a and b" of two attributes' truth; -1 with an exception set. */
static int both_true(PyObject *a, PyObject *b) {
    int first = PyObject_IsTrue(a);
    if (first <= 0) {
        return first;
    }
    return PyObject_IsTrue(b);
}

/* 1.0 where both name some and share none (the weekday and month mismatches), else 0.0. */
static int mismatch(Held *h, PyObject *f, PyObject *story, int name, double *out) {
    PyObject *own = held_attr(h, f, name);
    PyObject *theirs = own == NULL ? NULL : held_attr(h, story, name);
    if (theirs == NULL) {
        return -1;
    }
    int named = both_true(own, theirs);
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

/* the length of pair_features' vector (features.FEATURE_NAMES) */
#define PAIR_FEATURES 18

/* pair_features' values into x (zeros first): 1, 0 where the text cosines miss ``floor_obj``
 * (not None), -1 with an exception set. ``idf`` and ``norms`` are dicts. */
static int pair_values(PyObject *vectors, PyObject *story, PyObject *idf, PyObject *norms, PyObject *cross,
                       PyObject *floor_obj, double *x) {
    for (int i = 0; i < PAIR_FEATURES; i++) {
        x[i] = 0.0;
    }
    Held h = {.n = 0};
    PyObject *f = held_attr(&h, vectors, K_FEATURES);
    if (f == NULL || attr_cosine(&h, vectors, K_TITLE, K_TITLE_NORM, story, K_TITLE, K_TITLE, norms, idf, &x[0]) < 0) {
        goto fail;
    }
    PyObject *own_body = held_attr(&h, f, K_BODY);
    PyObject *story_body = own_body == NULL ? NULL : held_attr(&h, story, K_BODY);
    int bodies = story_body == NULL ? -1 : both_true(own_body, story_body);
    if (bodies < 0 || (bodies && attr_cosine(&h, vectors, K_BODY, K_BODY_NORM, story, K_BODY, K_BODY, norms, idf,
                                             &x[1]) < 0)) {
        goto fail;
    }
    if (cross == Py_None) {
        if (attr_cosine(&h, vectors, K_ALL, K_ALL_NORM, story, K_ALL, K_ALL, norms, idf, &x[2]) < 0) {
            goto fail;
        }
    } else {
        x[2] = PyFloat_AsDouble(cross);
        if (FAILED(x[2])) {
            goto fail;
        }
    }
    if (floor_obj != Py_None) {
        double floor = PyFloat_AsDouble(floor_obj);
        if (FAILED(floor)) {
            goto fail;
        }
        if (x[0] < floor && x[1] < floor && x[2] < floor) {
            release(&h);
            return 0;
        }
    }
    if (attr_cosine(&h, vectors, K_ENTITIES, K_ENTITY_NORM, story, K_ENTITIES, K_ENTITIES, norms, idf, &x[3]) < 0) {
        goto fail;
    }
    /* the per-kind cosines, where both sides name someone of the kind */
    PyObject *own_kinds = held_attr(&h, vectors, K_KINDS);
    PyObject *story_kinds = own_kinds == NULL ? NULL : held_attr(&h, story, K_KINDS);
    if (story_kinds == NULL) {
        goto fail;
    }
    if (!PyDict_Check(own_kinds) || !PyDict_Check(story_kinds)) {
        PyErr_SetString(PyExc_TypeError, "pair_features: kinds must be dicts");
        goto fail;
    }
    for (int k = 0; k < 3; k++) {
        PyObject *kind = kernel_str[K_PEOPLE + k];
        /* each held as found: a lookup may run Python code (a key's __eq__) */
        PyObject *pair = PyDict_GetItemWithError(own_kinds, kind);
        if (pair != NULL && (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)) {
            PyErr_SetString(PyExc_TypeError, "pair_features: a kind's vector must be a (vector, norm) pair");
            goto fail;
        }
        PyObject *vec = pair == NULL ? NULL : hold(&h, Py_NewRef(PyTuple_GET_ITEM(pair, 0)));
        PyObject *vec_norm = vec == NULL ? NULL : hold(&h, Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
        PyObject *bag = vec_norm == NULL ? NULL : PyDict_GetItemWithError(story_kinds, kind);
        if (bag == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        Py_INCREF(bag);
        hold(&h, bag);
        int named = both_true(vec, bag);
        if (named < 0 || (named && cosine_of(vec, vec_norm, bag, norms, kind, idf, &x[4 + k]) < 0)) {
            goto fail;
        }
    }
    /* number_overlap */
    PyObject *own_numbers = held_attr(&h, f, K_NUMBERS);
    PyObject *story_numbers = own_numbers == NULL ? NULL : held_attr(&h, story, K_NUMBERS);
    int numbered = story_numbers == NULL ? -1 : both_true(own_numbers, story_numbers);
    if (numbered < 0) {
        goto fail;
    }
    if (numbered) {
        Py_ssize_t own_n = PyObject_Size(own_numbers), story_n = PyObject_Size(story_numbers);
        PyObject *iter = own_n < 0 || story_n < 0 ? NULL : PyObject_GetIter(own_numbers);
        if (iter == NULL) {
            goto fail;
        }
        Py_ssize_t shared = 0;
        PyObject *item;
        while ((item = PyIter_Next(iter)) != NULL) {
            int in = PySequence_Contains(story_numbers, item);
            Py_DECREF(item);
            if (in < 0) {
                break;
            }
            shared += in;
        }
        Py_DECREF(iter);
        if (PyErr_Occurred()) {
            goto fail;
        }
        x[7] = (double)shared / (double)(own_n < story_n ? own_n : story_n);
    }
    /* main_entity_match and main_entity_mismatch */
    PyObject *own_main = held_attr(&h, f, K_MAIN);
    PyObject *story_entities = own_main == NULL ? NULL : held_attr(&h, story, K_ENTITIES);
    int mained = story_entities == NULL ? -1 : both_true(own_main, story_entities);
    if (mained < 0) {
        goto fail;
    }
    if (mained) {
        PyObject *top = hold(&h, story_top(story));
        int hit = top == NULL ? -1 : any_in(own_main, top);
        if (hit < 0) {
            goto fail;
        }
        x[8] = hit ? 1.0 : 0.0;
        if (!hit) {
            int mentioned = any_in(own_main, story_entities);
            if (mentioned < 0) {
                goto fail;
            }
            x[9] = mentioned ? 0.0 : 1.0;
        }
    }
    /* days_apart, the story's day as StoryFeatures.day computes it (day_sum / day_n
     * if day_n else None) */
    PyObject *own_day = held_attr(&h, f, K_DAY);
    PyObject *day_n = own_day == NULL ? NULL : held_attr(&h, story, K_DAY_N);
    int story_dated = day_n == NULL ? -1 : PyObject_IsTrue(day_n);
    if (story_dated < 0) {
        goto fail;
    }
    int dated = own_day != Py_None && story_dated;
    if (dated) {
        PyObject *day_sum = held_attr(&h, story, K_DAY_SUM);
        PyObject *story_day = day_sum == NULL ? NULL : hold(&h, PyNumber_TrueDivide(day_sum, day_n));
        double a = story_day == NULL ? -1.0 : PyFloat_AsDouble(own_day), b;
        if (FAILED(a) || (b = PyFloat_AsDouble(story_day), FAILED(b))) {
            goto fail;
        }
        double gap = fabs(a - b);
        x[10] = log1p(400.0 < gap ? 400.0 : gap) / log1p(400.0); /* _MAX_DAYS */
    }
    if (mismatch(&h, f, story, K_WEEKDAYS, &x[11]) < 0 || mismatch(&h, f, story, K_MONTHS, &x[12]) < 0) {
        goto fail;
    }
    /* year_cos and year_known, where a day is missing on one side */
    PyObject *own_years = held_attr(&h, f, K_YEARS);
    PyObject *year_bag = own_years == NULL ? NULL : held_attr(&h, story, K_YEAR_BAG);
    int yeared = year_bag == NULL ? -1 : both_true(own_years, year_bag);
    if (yeared < 0) {
        goto fail;
    }
    if (yeared && !dated) {
        if (attr_cosine(&h, vectors, K_YEARS, K_YEARS_NORM, story, K_YEAR_BAG, K_YEARS, norms, idf, &x[13]) < 0) {
            goto fail;
        }
        x[14] = 1.0;
    }
    /* log_story_size, headline_only */
    PyObject *size = held_attr(&h, story, K_SIZE);
    PyObject *headline = size == NULL ? NULL : held_attr(&h, f, K_HEADLINE_ONLY);
    if (headline == NULL) {
        goto fail;
    }
    double n = PyFloat_AsDouble(size);
    if (FAILED(n)) {
        goto fail;
    }
    if (!(n > 0.0)) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        goto fail;
    }
    x[15] = log(n);
    int is_headline = PyObject_IsTrue(headline);
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
    if (!PyDict_Check(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "pair_features: idf and norms must be dicts");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    double x[PAIR_FEATURES];
    int found = pair_values(args[0], args[1], args[2], args[3], args[4], args[5], x);
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

/* vectors.<name> = value, taking the reference to value (NULL: failed already); -1 on failure. */
static int set_slot(PyObject *vectors, int name, PyObject *value) {
    if (value == NULL) {
        return -1;
    }
    int done = PyObject_SetAttr(vectors, kernel_str[name], value);
    Py_DECREF(value);
    return done;
}

/* A bag weighted by ``idf`` (a new dict), as the weighted() loop makes it. */
static PyObject *weighted_bag(PyObject *bag, PyObject *idf) {
    if (!PyDict_Check(bag)) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors: a bag must be a dict");
        return NULL;
    }
    PyObject *args = PyTuple_Pack(2, bag, idf);
    if (args == NULL) {
        return NULL;
    }
    PyObject *out = weighted(NULL, args);
    Py_DECREF(args);
    return out;
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
    if (FAILED(length) || PyObject_SetAttr(vectors, kernel_str[vec], out) < 0
            || set_slot(vectors, norm, PyFloat_FromDouble(length)) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* _split_kinds: the entity vector split by kind prefix, each part with its norm. */
static PyObject *split_kinds(PyObject *entities) {
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
        double norm = PyDict_GET_SIZE(parts[k]) ? vector_norm(parts[k]) : 1.0;
        PyObject *length = FAILED(norm) ? NULL : PyFloat_FromDouble(norm);
        PyObject *pair = length == NULL ? NULL : PyTuple_Pack(2, parts[k], length);
        Py_XDECREF(length);
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

static PyObject *fill_vectors(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors takes 5 arguments");
        return NULL;
    }
    PyObject *vectors = args[0], *features = args[1], *idf = args[2], *no_kinds = args[4];
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "fill_vectors: idf must be a dict");
        return NULL;
    }
    int text_only = PyObject_IsTrue(args[3]);
    if (text_only < 0 || kernel_ready() < 0 || PyObject_SetAttr(vectors, kernel_str[K_FEATURES], features) < 0) {
        return NULL;
    }
    Held h = {.n = 0};
    PyObject *own_title = held_attr(&h, features, K_TITLE);
    PyObject *title = own_title == NULL ? NULL : hold(&h, weighted_bag(own_title, idf));
    if (title == NULL || PyObject_SetAttr(vectors, kernel_str[K_TITLE], title) < 0) {
        goto fail;
    }
    double title_norm = PyDict_GET_SIZE(title) ? vector_norm(title) : 1.0;
    PyObject *title_norm_obj = FAILED(title_norm) ? NULL : hold(&h, PyFloat_FromDouble(title_norm));
    if (title_norm_obj == NULL || PyObject_SetAttr(vectors, kernel_str[K_TITLE_NORM], title_norm_obj) < 0) {
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
        if (FAILED(body_norm) || PyObject_SetAttr(vectors, kernel_str[K_BODY], body) < 0
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
        if (FAILED(all_norm) || PyObject_SetAttr(vectors, kernel_str[K_ALL], merged) < 0
                || set_slot(vectors, K_ALL_NORM, PyFloat_FromDouble(all_norm)) < 0) {
            goto fail;
        }
    } else {
        /* a headline: title + body is the title vector itself */
        if (set_slot(vectors, K_BODY, PyDict_New()) < 0 || set_slot(vectors, K_BODY_NORM, PyFloat_FromDouble(1.0)) < 0
                || PyObject_SetAttr(vectors, kernel_str[K_ALL], title) < 0
                || PyObject_SetAttr(vectors, kernel_str[K_ALL_NORM], title_norm_obj) < 0) {
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
            if (set_slot(vectors, K_KINDS, split_kinds(entities)) < 0) {
                goto fail;
            }
        } else if (PyObject_SetAttr(vectors, kernel_str[K_KINDS], no_kinds) < 0) {
            goto fail;
        }
    }
    release(&h);
    Py_RETURN_NONE;
fail:
    release(&h);
    return NULL;
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

/* ---- Refinement's merge pass (references: article_norms and headline_merge_probability
 * in storyline/cluster/refine.py). Two stories of headlines alone, each read as one long
 * article (refine.as_article) and compared with the other as compare() compares them,
 * without the article's weighted vectors (fill_vectors): each value of such a vector is
 * its bag's weight times the IDF, computed where story_cosine would read it, so every
 * product, and the order of every sum, is the one pair_values makes of the vectors; only
 * their norms are computed ahead (once for each version of a story). ---- */

/* The kind of an entity that _split_kinds files it under ("p:", "l:", "o:" as 0, 1, 2),
 * or -1. */
static int kind_of(PyObject *term) {
    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2 || PyUnicode_READ_CHAR(term, 1) != ':') {
        return -1;
    }
    Py_UCS4 c = PyUnicode_READ_CHAR(term, 0);
    return c == 'p' ? 0 : c == 'l' ? 1 : c == 'o' ? 2 : -1;
}

/* The norms fill_vectors gives the vectors of a story read as an article, and the terms
 * of each entity kind (the sizes of _split_kinds's parts). */
typedef struct {
    double title, entities, years, kind[3];
    Py_ssize_t kind_terms[3];
} ArticleNorms;

/* sqrt(sum) or 1.0, as _vector_norm */
static double norm_of(const Sum *s) {
    double norm = sqrt(sum_result(s));
    return norm == 0.0 ? 1.0 : norm;
}

/* The squares of a bag's IDF-weighted values summed in bag order into s (and, with
 * ``kinds`` not NULL, each entity's into its kind's sum, counted in ``terms``); -1 with
 * an exception set. */
static int weighted_squares(PyObject *bag, PyObject *idf, Sum *s, Sum *kinds, Py_ssize_t *terms) {
    if (!PyDict_Check(bag)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
        return -1;
    }
    Py_ssize_t pos = 0, size = PyDict_GET_SIZE(bag);
    PyObject *term, *value;
    while (PyDict_Next(bag, &pos, &term, &value)) {
        double w, weight;
        int k = kinds == NULL ? -1 : kind_of(term); /* read before the IDF lookup may run Python code */
        if (weight_and_idf(idf, term, value, &w, &weight) < 0 || walk_changed(bag, size) < 0) {
            return -1;
        }
        double v = w * weight;
        sum_add(s, v * v);
        if (k >= 0) {
            sum_add(&kinds[k], v * v);
            terms[k]++;
        }
    }
    return 0;
}

/* The ArticleNorms of story ``story`` (its title, entity and year bags); -1 with an
 * exception set. */
static int article_norms(Held *h, PyObject *story, PyObject *idf, ArticleNorms *out) {
    Sum title = {0.0, 0.0}, entities = {0.0, 0.0}, years = {0.0, 0.0};
    Sum kinds[3] = {{0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}};
    PyObject *title_bag = held_attr(h, story, K_TITLE);
    PyObject *entity_bag = title_bag == NULL ? NULL : held_attr(h, story, K_ENTITIES);
    PyObject *year_bag = entity_bag == NULL ? NULL : held_attr(h, story, K_YEAR_BAG);
    for (int k = 0; k < 3; k++) {
        out->kind_terms[k] = 0;
    }
    if (year_bag == NULL || weighted_squares(title_bag, idf, &title, NULL, NULL) < 0
            || weighted_squares(entity_bag, idf, &entities, kinds, out->kind_terms) < 0
            || weighted_squares(year_bag, idf, &years, NULL, NULL) < 0) {
        return -1;
    }
    out->title = norm_of(&title);
    out->entities = norm_of(&entities);
    out->years = norm_of(&years);
    for (int k = 0; k < 3; k++) {
        out->kind[k] = norm_of(&kinds[k]);
    }
    return 0;
}

/* story_cosine of the article vector that weights ``bag`` (``terms`` of them, only those
 * of kind ``kind`` where it is not -1; of norm ``norm``) and the story bag ``other``, whose
 * norm is cached in ``norms`` under ``name``: the smaller of the two walked as shared_dot
 * walks it. -1 with an exception set. */
static int weighted_cosine(PyObject *bag, int kind, Py_ssize_t terms, double norm, PyObject *other,
                           PyObject *norms, PyObject *name, PyObject *idf, double *out) {
    if (!PyDict_Check(bag) || !PyDict_Check(other)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
        return -1;
    }
    double other_norm = cached_norm(norms, name, other, idf);
    if (FAILED(other_norm)) {
        return -1;
    }
    /* walk the vector where it is no larger than the story bag (story_cosine) */
    int own_walk = terms <= PyDict_GET_SIZE(other);
    PyObject *walked = own_walk ? bag : other, *looked_up = own_walk ? other : bag;
    Sum s = {0.0, 0.0};
    int any = 0;
    Py_ssize_t pos = 0, size = PyDict_GET_SIZE(walked);
    PyObject *term, *value;
    while (PyDict_Next(walked, &pos, &term, &value)) {
        if (kind >= 0 && kind_of(term) != kind) {
            continue;
        }
        /* held: the lookups may run Python code (a key's __eq__, the IDF's __missing__) */
        Py_INCREF(term);
        Py_INCREF(value);
        PyObject *found = PyDict_GetItemWithError(looked_up, term);
        int status = found == NULL && PyErr_Occurred() ? -1 : 0;
        if (found != NULL) {
            /* shared_dot: v * w * idf, v the walked dict's value, w the other's, the
             * vector's being the bag's weight times the IDF */
            double w = PyFloat_AsDouble(found), v, weight;
            if (FAILED(w) || weight_and_idf(idf, term, value, &v, &weight) < 0) {
                status = -1;
            } else if (own_walk) {
                sum_add(&s, v * weight * w * weight);
                any = 1;
            } else {
                sum_add(&s, v * (w * weight) * weight);
                any = 1;
            }
        }
        Py_DECREF(term);
        Py_DECREF(value);
        if (status < 0 || walk_changed(walked, size) < 0) {
            return -1;
        }
    }
    double total = sum_result(&s);
    *out = any && total != 0.0 ? total / (norm * other_norm) : 0.0;
    return 0;
}

/* title_cos and cross_cos (x[0], x[2]) of story ``a`` read as an article (the norms
 * ``own``; its title + body vector is its title vector) and story ``b`` (of fresh norms
 * ``norms``); -1 with an exception set. */
static int story_text_values(PyObject *a, const ArticleNorms *own, PyObject *b, PyObject *norms, PyObject *idf,
                             double *x) {
    Held h = {.n = 0};
    PyObject *title = held_attr(&h, a, K_TITLE);
    PyObject *other_title = title == NULL ? NULL : held_attr(&h, b, K_TITLE);
    PyObject *other_all = other_title == NULL ? NULL : held_attr(&h, b, K_ALL);
    int done = -1;
    if (other_all != NULL && PyDict_Check(title)) {
        Py_ssize_t terms = PyDict_GET_SIZE(title);
        done = weighted_cosine(title, -1, terms, own->title, other_title, norms, kernel_str[K_TITLE], idf, &x[0]) < 0
               || weighted_cosine(title, -1, terms, own->title, other_all, norms, kernel_str[K_ALL], idf, &x[2]) < 0
               ? -1 : 0;
    } else if (other_all != NULL) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
    }
    release(&h);
    return done;
}

/* Whether a story and b both have a day (the article's and the story's, in pair_values):
 * 1, 0, or -1 with an exception set. */
static int both_dated(Held *h, PyObject *a, PyObject *b) {
    PyObject *own_n = held_attr(h, a, K_DAY_N);
    PyObject *other_n = own_n == NULL ? NULL : held_attr(h, b, K_DAY_N);
    return other_n == NULL ? -1 : both_true(own_n, other_n);
}

/* The norms that the rest of pair_values (past the text cosines) caches in story b's
 * ``norms``, in its order, where its values are not needed (the words of the two stories
 * do not meet): a norm cached now is updated in place as the story grows, and so may
 * differ in its last bit from one computed later. -1 with an exception set. */
static int cache_other_norms(PyObject *a, PyObject *b, PyObject *norms, PyObject *idf) {
    Held h = {.n = 0};
    PyObject *entities = held_attr(&h, a, K_ENTITIES);
    PyObject *other_entities = entities == NULL ? NULL : held_attr(&h, b, K_ENTITIES);
    PyObject *other_kinds = other_entities == NULL ? NULL : held_attr(&h, b, K_KINDS);
    if (other_kinds == NULL) {
        goto fail;
    }
    if (!PyDict_Check(entities) || !PyDict_Check(other_entities) || !PyDict_Check(other_kinds)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: bags and kinds must be dicts");
        goto fail;
    }
    if (FAILED(cached_norm(norms, kernel_str[K_ENTITIES], other_entities, idf))) {
        goto fail;
    }
    /* the kinds the article names (its parts of _split_kinds that are not empty) */
    int named[3] = {0, 0, 0};
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (PyDict_Next(entities, &pos, &term, &value)) {
        int k = kind_of(term);
        if (k >= 0) {
            named[k] = 1;
        }
    }
    for (int k = 0; k < 3; k++) {
        PyObject *kind = kernel_str[K_PEOPLE + k];
        PyObject *bag = PyDict_GetItemWithError(other_kinds, kind);
        if (bag == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        hold(&h, Py_NewRef(bag));
        int both = named[k] ? PyObject_IsTrue(bag) : 0;
        if (both < 0 || (both && FAILED(cached_norm(norms, kind, bag, idf)))) {
            goto fail;
        }
    }
    PyObject *own_years = held_attr(&h, a, K_YEAR_BAG);
    PyObject *other_years = own_years == NULL ? NULL : held_attr(&h, b, K_YEAR_BAG);
    int yeared = other_years == NULL ? -1 : both_true(own_years, other_years);
    int dated = yeared <= 0 ? 0 : both_dated(&h, a, b);
    if (yeared < 0 || dated < 0) {
        goto fail;
    }
    if (yeared && !dated) {
        if (!PyDict_Check(other_years)) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
            goto fail;
        }
        if (FAILED(cached_norm(norms, kernel_str[K_YEARS], other_years, idf))) {
            goto fail;
        }
    }
    /* and log_story_size's domain, as pair_values reads it */
    PyObject *size = held_attr(&h, b, K_SIZE);
    double n = size == NULL ? -1.0 : PyFloat_AsDouble(size);
    if (FAILED(n)) {
        goto fail;
    }
    if (!(n > 0.0)) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        goto fail;
    }
    release(&h);
    return 0;
fail:
    release(&h);
    return -1;
}

/* The rest of pair_values (x[3] on) of story ``a`` read as an article (the norms ``own``
 * of its entity and year vectors; no body) and story ``b`` (of fresh norms ``norms``): 0,
 * or -1 with an exception set. */
static int story_pair_values(PyObject *a, const ArticleNorms *own, PyObject *b, PyObject *norms, PyObject *idf,
                             double *x) {
    Held h = {.n = 0};
    PyObject *entities = held_attr(&h, a, K_ENTITIES);
    PyObject *other_entities = entities == NULL ? NULL : held_attr(&h, b, K_ENTITIES);
    if (other_entities == NULL || !PyDict_Check(entities)
            || weighted_cosine(entities, -1, PyDict_GET_SIZE(entities), own->entities, other_entities, norms,
                               kernel_str[K_ENTITIES], idf, &x[3]) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
        }
        goto fail;
    }
    /* the per-kind cosines, where both sides name someone of the kind */
    PyObject *other_kinds = held_attr(&h, b, K_KINDS);
    if (other_kinds == NULL) {
        goto fail;
    }
    if (!PyDict_Check(other_kinds)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: kinds must be dicts");
        goto fail;
    }
    for (int k = 0; k < 3; k++) {
        PyObject *kind = kernel_str[K_PEOPLE + k];
        PyObject *bag = PyDict_GetItemWithError(other_kinds, kind);
        if (bag == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        hold(&h, Py_NewRef(bag));
        int named = own->kind_terms[k] > 0 ? PyObject_IsTrue(bag) : 0;
        if (named < 0 || (named && weighted_cosine(entities, k, own->kind_terms[k], own->kind[k], bag, norms, kind,
                                                   idf, &x[4 + k]) < 0)) {
            goto fail;
        }
    }
    /* number_overlap: the article's numbers are the story's */
    PyObject *own_numbers = held_attr(&h, a, K_NUMBERS);
    PyObject *other_numbers = own_numbers == NULL ? NULL : held_attr(&h, b, K_NUMBERS);
    int numbered = other_numbers == NULL ? -1 : both_true(own_numbers, other_numbers);
    if (numbered < 0) {
        goto fail;
    }
    if (numbered) {
        Py_ssize_t own_n = PyObject_Size(own_numbers), other_n = PyObject_Size(other_numbers);
        PyObject *iter = own_n < 0 || other_n < 0 ? NULL : PyObject_GetIter(own_numbers);
        if (iter == NULL) {
            goto fail;
        }
        Py_ssize_t shared = 0;
        PyObject *item;
        while ((item = PyIter_Next(iter)) != NULL) {
            int in = PySequence_Contains(other_numbers, item);
            Py_DECREF(item);
            if (in < 0) {
                break;
            }
            shared += in;
        }
        Py_DECREF(iter);
        if (PyErr_Occurred()) {
            goto fail;
        }
        x[7] = (double)shared / (double)(own_n < other_n ? own_n : other_n);
    }
    /* main_entity_match and main_entity_mismatch: the article's main names are the
     * story's top ones (as_article) */
    PyObject *own_top = hold(&h, story_top(a));
    int mained = own_top == NULL ? -1 : both_true(own_top, other_entities);
    if (mained < 0) {
        goto fail;
    }
    if (mained) {
        PyObject *top = hold(&h, story_top(b));
        int hit = top == NULL ? -1 : any_in(own_top, top);
        if (hit < 0) {
            goto fail;
        }
        x[8] = hit ? 1.0 : 0.0;
        if (!hit) {
            int mentioned = any_in(own_top, other_entities);
            if (mentioned < 0) {
                goto fail;
            }
            x[9] = mentioned ? 0.0 : 1.0;
        }
    }
    /* days_apart: the article's day is round(a.day), the story's b.day */
    PyObject *own_n = held_attr(&h, a, K_DAY_N);
    PyObject *other_n = own_n == NULL ? NULL : held_attr(&h, b, K_DAY_N);
    int own_dated = other_n == NULL ? -1 : PyObject_IsTrue(own_n);
    int other_dated = own_dated < 0 ? -1 : PyObject_IsTrue(other_n);
    if (other_dated < 0) {
        goto fail;
    }
    int dated = own_dated && other_dated;
    if (dated) {
        PyObject *own_sum = held_attr(&h, a, K_DAY_SUM);
        PyObject *own_day = own_sum == NULL ? NULL : hold(&h, PyNumber_TrueDivide(own_sum, own_n));
        PyObject *other_sum = own_day == NULL ? NULL : held_attr(&h, b, K_DAY_SUM);
        PyObject *other_day = other_sum == NULL ? NULL : hold(&h, PyNumber_TrueDivide(other_sum, other_n));
        double day = other_day == NULL ? -1.0 : PyFloat_AsDouble(own_day), other;
        if (FAILED(day) || (other = PyFloat_AsDouble(other_day), FAILED(other))) {
            goto fail;
        }
        /* round(day): float.__round__, halves to even */
        double rounded = round(day);
        if (fabs(day - rounded) == 0.5) {
            rounded = 2.0 * round(day / 2.0);
        }
        double gap = fabs(rounded - other);
        x[10] = log1p(400.0 < gap ? 400.0 : gap) / log1p(400.0); /* _MAX_DAYS */
    }
    if (mismatch(&h, a, b, K_WEEKDAYS, &x[11]) < 0 || mismatch(&h, a, b, K_MONTHS, &x[12]) < 0) {
        goto fail;
    }
    /* year_cos and year_known, where a day is missing on one side */
    PyObject *own_years = held_attr(&h, a, K_YEAR_BAG);
    PyObject *other_years = own_years == NULL ? NULL : held_attr(&h, b, K_YEAR_BAG);
    int yeared = other_years == NULL ? -1 : both_true(own_years, other_years);
    if (yeared < 0) {
        goto fail;
    }
    if (yeared && !dated) {
        if (!PyDict_Check(own_years)) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
            goto fail;
        }
        if (weighted_cosine(own_years, -1, PyDict_GET_SIZE(own_years), own->years, other_years, norms,
                            kernel_str[K_YEARS], idf, &x[13]) < 0) {
            goto fail;
        }
        x[14] = 1.0;
    }
    /* log_story_size; headline_only (the article has no body) */
    PyObject *size = held_attr(&h, b, K_SIZE);
    double n = size == NULL ? -1.0 : PyFloat_AsDouble(size);
    if (FAILED(n)) {
        goto fail;
    }
    if (!(n > 0.0)) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        goto fail;
    }
    x[15] = log(n);
    x[16] = 1.0;
    release(&h);
    return 0;
fail:
    release(&h);
    return -1;
}

/* online.probability of the features x by a model of ``m`` weights w: linear, or over
 * the features' products; -1 with an exception set (ValueError for other lengths). */
static int model_probability(const double *x, const double *w, Py_ssize_t m, double bias, double *out) {
    const Py_ssize_t n = PAIR_FEATURES;
    if (m == n) {
        *out = linear_of(x, n, w, m, bias);
        return 0;
    }
    if (m != n + n * (n - 1) / 2) {
        PyErr_Format(PyExc_ValueError, "%zd weights fit neither %zd features nor their products", m, n);
        return -1;
    }
    return interaction_of(x, n, w, m, bias, out);
}

/* The ArticleNorms that article_norms gave as a tuple; -1 with an exception set. */
static int norms_of_tuple(PyObject *tuple, ArticleNorms *out) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 9) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: norms must be an article_norms tuple");
        return -1;
    }
    double values[6];
    for (int i = 0; i < 6; i++) {
        values[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, i));
        if (FAILED(values[i])) {
            return -1;
        }
    }
    out->title = values[0];
    out->entities = values[1];
    out->years = values[2];
    for (int k = 0; k < 3; k++) {
        out->kind[k] = values[3 + k];
        out->kind_terms[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(tuple, 6 + k));
        if (out->kind_terms[k] == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(article_norms_doc,
"article_norms(story, df) -> tuple\n\n"
"The norms of a StoryFeatures' vectors read as an article: title, entities, years, each\n"
"entity kind's, and each kind's terms (storyline.cluster.refine).");

static PyObject *article_norms_of(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "article_norms takes 2 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h = {.n = 0};
    ArticleNorms norms;
    PyObject *out = NULL;
    PyObject *idf = held_attr(&h, args[1], K_WEIGHTS);
    if (idf == NULL) {
        goto done;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "article_norms: the IDF weights must be a dict");
        goto done;
    }
    /* and the story's top names cached, as as_article caches them */
    if (article_norms(&h, args[0], idf, &norms) == 0 && hold(&h, story_top(args[0])) != NULL) {
        out = Py_BuildValue("(ddddddnnn)", norms.title, norms.entities, norms.years, norms.kind[0], norms.kind[1],
                            norms.kind[2], norms.kind_terms[0], norms.kind_terms[1], norms.kind_terms[2]);
    }
done:
    release(&h);
    return out;
}

PyDoc_STRVAR(headline_merge_probability_doc,
"headline_merge_probability(a, norms_a, b, norms_b, df, floor, weights, bias) -> float | None\n\n"
"The merge model's mean probability of two StoryFeatures of headlines alone (with their\n"
"article_norms), each compared with the other as an article, without the entity conflict\n"
"(0.0 where their words miss ``floor``); None where either has a body\n"
"(storyline.cluster.refine).");

static PyObject *headline_merge_probability(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability takes 8 arguments");
        return NULL;
    }
    PyObject *a = args[0], *b = args[2], *df = args[4];
    double floor = PyFloat_AsDouble(args[5]), bias = FAILED(floor) ? -1.0 : PyFloat_AsDouble(args[7]);
    if (FAILED(floor) || FAILED(bias) || kernel_ready() < 0) {
        return NULL;
    }
    Held h = {.n = 0};
    PyObject *out = NULL;
    double *w = NULL;
    PyObject *body_a = held_attr(&h, a, K_BODY);
    PyObject *body_b = body_a == NULL ? NULL : held_attr(&h, b, K_BODY);
    int bodied = body_b == NULL ? -1 : PyObject_IsTrue(body_a);
    if (bodied == 0) {
        bodied = PyObject_IsTrue(body_b);
    }
    if (bodied != 0) {
        out = bodied < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    PyObject *idf = held_attr(&h, df, K_WEIGHTS);
    if (idf == NULL) {
        goto done;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: the IDF weights must be a dict");
        goto done;
    }
    /* as _story_probability: each story compared with the other, its text cosines first
     * (the rest only where the words of the two meet: else the probability is 0) */
    double x[PAIR_FEATURES] = {0.0}, y[PAIR_FEATURES] = {0.0};
    /* (each story's top names cached first, as as_article caches them) */
    ArticleNorms own_a, own_b;
    if (norms_of_tuple(args[1], &own_a) < 0 || norms_of_tuple(args[3], &own_b) < 0
            || hold(&h, story_top(a)) == NULL || hold(&h, story_top(b)) == NULL) {
        goto done;
    }
    PyObject *norms_b = hold(&h, story_norms(b, df));
    if (norms_b == NULL || !PyDict_Check(norms_b) || story_text_values(a, &own_a, b, norms_b, idf, x) < 0) {
        goto norms_failed;
    }
    PyObject *norms_a = hold(&h, story_norms(a, df));
    if (norms_a == NULL || !PyDict_Check(norms_a) || story_text_values(b, &own_b, a, norms_a, idf, y) < 0) {
        goto norms_failed;
    }
    /* words_meet of either */
    if (!(x[0] >= floor || x[1] >= floor || x[2] >= floor || y[0] >= floor || y[1] >= floor || y[2] >= floor)) {
        if (cache_other_norms(a, b, norms_b, idf) == 0 && cache_other_norms(b, a, norms_a, idf) == 0) {
            out = PyFloat_FromDouble(0.0);
        }
        goto done;
    }
    if (story_pair_values(a, &own_a, b, norms_b, idf, x) < 0 || story_pair_values(b, &own_b, a, norms_a, idf, y) < 0) {
        goto done;
    }
    Py_ssize_t m;
    double pa, pb;
    w = doubles_of(args[6], &m);
    if (w == NULL || model_probability(x, w, m, bias, &pa) < 0 || model_probability(y, w, m, bias, &pb) < 0) {
        goto done;
    }
    out = PyFloat_FromDouble((pa + pb) / 2);
    goto done;
norms_failed:
    if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a story's norm cache must be a dict");
    }
done:
    PyMem_Free(w);
    release(&h);
    return out;
}

/* Whether an article of day ``own_day`` (not None) and a story lie more than ``window``
 * days apart: abs(own_day - story.day) > window, computed as Python computes it, where the
 * story has a last day; 1, 0 or -1 with an exception set. */
static int out_of_window(Held *h, PyObject *own_day, PyObject *story, PyObject *window) {
    PyObject *last_day = held_attr(h, story, K_LAST_DAY);
    if (last_day == NULL || last_day == Py_None) {
        return last_day == NULL ? -1 : 0;
    }
    /* StoryFeatures.day: day_sum / day_n if day_n else None */
    PyObject *day_n = held_attr(h, story, K_DAY_N);
    int dated = day_n == NULL ? -1 : PyObject_IsTrue(day_n);
    if (dated < 0) {
        return -1;
    }
    PyObject *day_sum = dated ? held_attr(h, story, K_DAY_SUM) : NULL;
    PyObject *story_day = !dated ? Py_NewRef(Py_None) : day_sum == NULL ? NULL : PyNumber_TrueDivide(day_sum, day_n);
    PyObject *gap = story_day == NULL ? NULL : hold(h, PyNumber_Subtract(own_day, hold(h, story_day)));
    PyObject *apart = gap == NULL ? NULL : hold(h, PyNumber_Absolute(gap));
    return apart == NULL ? -1 : PyObject_RichCompareBool(apart, window, Py_GT);
}

PyDoc_STRVAR(best_story_doc,
"best_story(vectors, ranked, stories, df, floor, window_days, weights, bias, threshold)\n"
"    -> story id | None\n\n"
"The stream's join decision for an ArticleVectors over the stories ``ranked`` (id -> its\n"
"text cosine or None): the most probable by its margin over ``threshold``\n"
"(storyline.cluster.online).");

static PyObject *best_story(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "best_story takes 9 arguments");
        return NULL;
    }
    PyObject *vectors = args[0], *ranked = args[1], *stories = args[2], *df = args[3], *floor_obj = args[4],
             *window = args[5], *weights = args[6];
    double bias = PyFloat_AsDouble(args[7]), threshold;
    if (FAILED(bias) || (threshold = PyFloat_AsDouble(args[8]), FAILED(threshold)) || kernel_ready() < 0) {
        return NULL;
    }
    if (!PyDict_Check(ranked) || !PyDict_Check(stories)) {
        PyErr_SetString(PyExc_TypeError, "best_story: the ranked stories and the stories must be dicts");
        return NULL;
    }
    Held h = {.n = 0};
    PyObject *best = NULL;
    double best_margin = 0.0, *w = NULL;
    Py_ssize_t m = 0;
    PyObject *f = held_attr(&h, vectors, K_FEATURES);
    PyObject *own_day = f == NULL ? NULL : held_attr(&h, f, K_DAY);
    PyObject *idf = own_day == NULL ? NULL : held_attr(&h, df, K_WEIGHTS);
    if (idf == NULL) {
        goto fail;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "best_story: the IDF weights must be a dict");
        goto fail;
    }
    Py_ssize_t pos = 0;
    PyObject *sid, *cross;
    while (PyDict_Next(ranked, &pos, &sid, &cross)) {
        Held each = {.n = 0};
        hold(&each, Py_NewRef(sid));
        hold(&each, Py_NewRef(cross));
        PyObject *story = PyDict_GetItemWithError(stories, sid);
        if (story == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, sid);
            }
            release(&each);
            goto fail;
        }
        hold(&each, Py_NewRef(story));
        int apart = own_day == Py_None ? 0 : out_of_window(&each, own_day, story, window);
        PyObject *norms = apart != 0 ? NULL : hold(&each, story_norms(story, df));
        double x[PAIR_FEATURES], p = 0.0;
        int found = -1;
        if (norms != NULL) {
            if (!PyDict_Check(norms)) {
                PyErr_SetString(PyExc_TypeError, "best_story: a story's norms must be a dict");
            } else {
                found = pair_values(vectors, story, idf, norms, cross, floor_obj, x);
            }
        }
        if (found > 0 && w == NULL) {
            w = doubles_of(weights, &m);
            if (w == NULL) {
                found = -1;
            }
        }
        if (found > 0) {
            /* online.probability: a linear model, or one over the features' products */
            if (m == PAIR_FEATURES) {
                p = linear_of(x, PAIR_FEATURES, w, m, bias);
            } else if (m != PAIR_FEATURES + PAIR_FEATURES * (PAIR_FEATURES - 1) / 2) {
                PyErr_Format(PyExc_ValueError, "%zd weights fit neither %d features nor their products", m,
                             PAIR_FEATURES);
                found = -1;
            } else if (interaction_of(x, PAIR_FEATURES, w, m, bias, &p) < 0) {
                found = -1;
            }
        }
        if (found > 0 && p - threshold >= best_margin) {
            best_margin = p - threshold;
            Py_XSETREF(best, Py_NewRef(sid));
        }
        release(&each);
        if (apart < 0 || (apart == 0 && found < 0)) {
            goto fail;
        }
    }
    release(&h);
    PyMem_Free(w);
    return best != NULL ? best : Py_NewRef(Py_None);
fail:
    release(&h);
    PyMem_Free(w);
    Py_XDECREF(best);
    return NULL;
}

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

/* ---- featurize: an article's term counts, slug terms, time words, years, entities ----
 * (references in storyline/cluster/features.py: word_terms, title_bag, body_bag,
 * time_words, year_features, entity_features; storyline/cluster/timeinfo.py: years_in).
 * ASCII text is read byte by byte, other text by code point with the Unicode tests the
 * references' regular expressions make; the few inputs where those would take more than
 * that to mirror (Chinese or Japanese words, URLs that urlsplit cleans or checks, letters
 * that IGNORECASE matches to ASCII ones) are left to the references: None back. */

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

/* The str of the ``n`` ASCII bytes at ``s`` (FNV-1a ``hash``), a new reference: the cached
 * one, or one made and cached. NULL with an exception set. */
static PyObject *ascii_term(const unsigned char *s, Py_ssize_t n, uint64_t hash) {
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
    return c != '_' && Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
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
        if (slot->start < 0 || (slot->hash == h && slot->len == n && memcmp(bytes + slot->start, w, (size_t)n) == 0)) {
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
} StemCounts;

/* Room for ``capacity`` stems: the entries so far moved to new arrays and filed in new
 * slots. 0, or -1 with MemoryError set. */
static int stem_counts_make_room(StemCounts *c, Py_ssize_t capacity) {
    size_t slots = 2 * (size_t)capacity;
    char *block = PyMem_Malloc(slots * (sizeof(ByteKey) + sizeof(Py_ssize_t))
                               + (size_t)capacity * (sizeof(ByteKey) + sizeof(Py_ssize_t)));
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
    PyMem_Free(c->block);
    *c = (StemCounts){c->bytes, block, slot, slot_entry, entry, entry_count, capacity, c->entries};
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
    *c = (StemCounts){bytes, NULL, NULL, NULL, NULL, NULL, 0, 0};
    return stem_counts_make_room(c, capacity);
}

static void stem_counts_free(StemCounts *c) {
    PyMem_Free(c->block);
}

/* One more of bytes[start:start + len]: 0, or -1 with MemoryError set. */
static int stem_counts_add(StemCounts *c, Py_ssize_t start, Py_ssize_t len) {
    const unsigned char *w = c->bytes + start;
    uint64_t h = fnv1a(w, len);
    Py_ssize_t k = byte_slot(c->slots, 2 * c->capacity - 1, c->bytes, w, len, h);
    if (c->slots[k].start >= 0) {
        c->entry_count[c->slot_entry[k]]++;
        return 0;
    }
    if (c->entries == c->capacity) {
        if (stem_counts_make_room(c, 2 * c->capacity) < 0) {
            return -1;
        }
        k = byte_slot(c->slots, 2 * c->capacity - 1, c->bytes, w, len, h);
    }
    c->slots[k] = c->entry[c->entries] = (ByteKey){h, start, len};
    c->slot_entry[k] = c->entries;
    c->entry_count[c->entries] = 1;
    c->entries++;
    return 0;
}

/* The counts as a new dict (first-seen order), or NULL with an exception set. */
static PyObject *stem_counts_dict(const StemCounts *c) {
    PyObject *out = PyDict_New();
    for (Py_ssize_t k = 0; out != NULL && k < c->entries; k++) {
        PyObject *stem = ascii_term(c->bytes + c->entry[k].start, c->entry[k].len, c->entry[k].hash);
        PyObject *count = stem == NULL ? NULL : PyLong_FromSsize_t(c->entry_count[k]);
        if (count == NULL || PyDict_SetItem(out, stem, count) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(stem);
        Py_XDECREF(count);
    }
    return out;
}

/* Whether the lower-case ASCII word is in ``stop`` (its byte set where it has one): 1 or 0,
 * -1 with an exception set. */
static int is_stop_word(PyObject *stop, const ByteSet *bytes, const unsigned char *w, Py_ssize_t n) {
    if (bytes != NULL) {
        return bytes->slots[byte_slot(bytes->slots, bytes->mask, bytes->bytes, w, n, fnv1a(w, n))].start >= 0;
    }
    PyObject *word = ascii_str(w, n);
    int found = word == NULL ? -1 : PySet_Contains(stop, word);
    Py_XDECREF(word);
    return found;
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

/* Counts the stem (first ``stem_chars`` bytes) of the lower-case ASCII word at
 * bytes[start:start + n] unless the word is a stop word: terms' step. 0, or -1 with an
 * exception set. */
static int count_term(StemCounts *counts, PyObject *stop, const ByteSet *stop_bytes, Py_ssize_t start,
                      Py_ssize_t n, Py_ssize_t stem_chars) {
    int is_stop = is_stop_word(stop, stop_bytes, counts->bytes + start, n);
    return is_stop < 0 ? -1 : is_stop ? 0 : stem_counts_add(counts, start, n < stem_chars ? n : stem_chars);
}

/* The terms of ASCII text ``s`` (n bytes) counted into ``counts``, whose bytes (n of them)
 * take the lower-cased words: 0, or -1 with an exception set. */
static int count_ascii_terms(const unsigned char *s, Py_ssize_t n, StemCounts *counts, PyObject *stop,
                             const ByteSet *stop_bytes, Py_ssize_t stem_chars) {
    unsigned char *low = (unsigned char *)counts->bytes;
    Py_ssize_t i = 0;
    while (i < n) {
        if (!ascii_letter(s[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        for (; i < n && ascii_letter(s[i]); i++) {
            low[i] = s[i] | 32;
        }
        if (i - start >= 2 && count_term(counts, stop, stop_bytes, start, i - start, stem_chars) < 0) {
            return -1;
        }
    }
    return 0;
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
    if (!PyUnicode_IS_ASCII(text)) {
        return wide_terms(text, stop, stem_chars);
    }
    const unsigned char *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        return NULL;
    }
    unsigned char stack[1024];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
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

static inline int slug_separator(unsigned char c) {
    return c == '-' || c == '_' || c == '+';
}

/* The words of letters (two or more) in a path segment's name (the segment up to its last
 * "."), between runs of slug separators: each one's start and length, in order, written
 * to starts/lengths; returns how many there are. */
static Py_ssize_t slug_parts(const unsigned char *seg, Py_ssize_t n, Py_ssize_t *starts, Py_ssize_t *lengths) {
    Py_ssize_t name_end = n;
    for (Py_ssize_t k = n - 1; k >= 0; k--) {
        if (seg[k] == '.') {
            name_end = k;
            break;
        }
    }
    Py_ssize_t found = 0, i = 0;
    while (i <= name_end) {
        Py_ssize_t start = i;
        int letters = 1;
        for (; i < name_end && !slug_separator(seg[i]); i++) {
            letters &= ascii_letter(seg[i]);
        }
        if (letters && i - start >= 2) {
            starts[found] = start;
            lengths[found] = i - start;
            found++;
        }
        if (i == name_end) {
            break;
        }
        while (i < name_end && slug_separator(seg[i])) {
            i++;
        }
    }
    return found;
}

/* terms(slug_words(url, min_words), stop) (storyline.cluster.features) as a new dict, for a
 * URL (a str or None) of printable ASCII (backslashes dropped) whose host has no brackets;
 * Py_None (new) for other URLs; NULL with an exception set. */
static PyObject *slug_counts(PyObject *url, PyObject *stop, Py_ssize_t stem_chars, Py_ssize_t min_words) {
    if (url != Py_None && !PyUnicode_IS_ASCII(url)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n = url == Py_None ? 0 : PyUnicode_GET_LENGTH(url);
    const unsigned char *s = url == Py_None ? NULL : PyUnicode_1BYTE_DATA(url);
    /* the URL without backslashes and lower-cased (lower-casing leaves urlsplit's
     * delimiters as they are, and slug_words lower-cases the path it gives) */
    unsigned char stack[512];
    unsigned char *u = scratch(stack, sizeof stack, n);
    if (u == NULL) {
        return NULL;
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            continue;
        }
        if (!plain_url_byte(s[i])) {
            free_scratch(u, stack);
            Py_RETURN_NONE;
        }
        u[m++] = (s[i] >= 'A' && s[i] <= 'Z') ? (unsigned char)(s[i] | 32) : s[i];
    }
    /* urlsplit: a scheme up to the first ":" (a letter, then scheme characters), a host
     * after "//" up to the first of "/?#", the path up to the first of "?#" */
    Py_ssize_t at = 0;
    const unsigned char *colon = m > 0 ? memchr(u, ':', (size_t)m) : NULL;
    if (colon != NULL && colon > u && ascii_letter(u[0])) {
        Py_ssize_t k = 0;
        while (u + k < colon && scheme_byte(u[k])) {
            k++;
        }
        if (u + k == colon) {
            at = k + 1;
        }
    }
    if (m - at >= 2 && u[at] == '/' && u[at + 1] == '/') {
        Py_ssize_t host = at + 2;
        for (at = host; at < m && u[at] != '/' && u[at] != '?' && u[at] != '#'; at++) {
            if (u[at] == '[' || u[at] == ']') {  /* an IPv6 host, or an invalid one: urlsplit's checks */
                free_scratch(u, stack);
                Py_RETURN_NONE;
            }
        }
    }
    Py_ssize_t end = at;
    while (end < m && u[end] != '?' && u[end] != '#') {
        end++;
    }
    /* a word and the character after it take three: at most (m + 1) / 3 words in a segment */
    Py_ssize_t most = (m + 1) / 3 + 1;
    StemCounts counts;
    const ByteSet *stop_bytes;
    PyObject *out = NULL;
    Py_ssize_t *starts = PyMem_Malloc((size_t)most * sizeof(Py_ssize_t));
    Py_ssize_t *lengths = PyMem_Malloc((size_t)most * sizeof(Py_ssize_t));
    if (stem_counts_init(&counts, u, m) < 0) {
        goto done;
    }
    if (starts == NULL || lengths == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        goto done;
    }
    for (Py_ssize_t seg = at; seg <= end;) {
        Py_ssize_t seg_end = seg;
        while (seg_end < end && u[seg_end] != '/') {
            seg_end++;
        }
        Py_ssize_t found = slug_parts(u + seg, seg_end - seg, starts, lengths);
        for (Py_ssize_t k = 0; found >= min_words && k < found; k++) {
            if (count_term(&counts, stop, stop_bytes, seg + starts[k], lengths[k], stem_chars) < 0) {
                goto done;
            }
        }
        seg = seg_end + 1;
    }
    out = stem_counts_dict(&counts);
done:
    stem_counts_free(&counts);
    PyMem_Free(starts);
    PyMem_Free(lengths);
    free_scratch(u, stack);
    return out;
}

/* features.log_weights: {t: 1.0 + math.log(c) for t, c in counts.items()} for a dict of
 * positive int counts, as a new dict (NULL with an exception set). */
static PyObject *log_weights(PyObject *counts) {
    PyObject *out = PyDict_New();
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

PyDoc_STRVAR(time_words_doc,
"time_words(title, text, chars) -> (frozenset, frozenset) | None\n\n"
"features._time_words((title + '\\n' + text)[:chars]): the weekdays and the months given\n"
"with a day that the top of an article names, lower-cased; None where that top holds one\n"
"of the four letters that IGNORECASE matches to ASCII ones.");

static PyObject *time_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
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
    Py_ssize_t n = title_n + 1 + text_n < chars ? title_n + 1 + text_n : chars;
    unsigned char stack[2048];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    int title_kind = PyUnicode_KIND(title), text_kind = PyUnicode_KIND(text);
    const void *title_data = PyUnicode_DATA(title), *text_data = PyUnicode_DATA(text);
    Py_ssize_t i = 0;
    if (PyUnicode_IS_ASCII(title) && PyUnicode_IS_ASCII(text)) {
        for (; i < n && i < title_n; i++) {
            low[i] = ((const unsigned char *)title_data)[i];
        }
        if (i < n) {
            low[i++] = '\n';
        }
        memcpy(low + i, text_data, (size_t)(n - i));
        for (i = 0; i < n; i++) {
            low[i] = (low[i] >= 'A' && low[i] <= 'Z') ? (unsigned char)(low[i] | 32) : low[i];
        }
    }
    for (; i < n; i++) {
        Py_UCS4 c = i < title_n ? PyUnicode_READ(title_kind, title_data, i)
                    : i == title_n ? '\n' : PyUnicode_READ(text_kind, text_data, i - title_n - 1);
        if (c >= 128) {
            int standing = stand_in(c);
            if (standing < 0) {
                free_scratch(low, stack);
                Py_RETURN_NONE;
            }
            c = (Py_UCS4)standing;
        }
        low[i] = (unsigned char)(c >= 'A' && c <= 'Z' ? c | 32 : c);
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

PyDoc_STRVAR(years_in_doc,
"years_in(text) -> list\n\n"
"[int(y) for y in timeinfo._YEAR.findall(text)]: the four-digit years 1950-2049 of a text,\n"
"in order, that no digit, currency sign, '.' or ',' comes before and no digit or '%' after.");

/* The first p >= at where ``text`` has a "1" or a "2" (where a year may start), or n. */
static inline Py_ssize_t year_start(int kind, const void *data, Py_ssize_t n, Py_ssize_t at) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = data;
        while (at < n && s[at] != '1' && s[at] != '2') {
            at++;
        }
        return at;
    }
    while (at < n && PyUnicode_READ(kind, data, at) != '1' && PyUnicode_READ(kind, data, at) != '2') {
        at++;
    }
    return at;
}

/* Appends the years of ``text`` (a str) that years_in gives to ``years``: 0, or -1 with
 * an exception set. */
static int append_years(PyObject *years, PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t p = year_start(kind, data, n, 0); p + 4 <= n; p = year_start(kind, data, n, p + 1)) {
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
        PyObject *year = PyLong_FromLong(century + 10 * (long)(c2 - '0') + last);
        if (year == NULL || PyList_Append(years, year) < 0) {
            Py_XDECREF(year);
            return -1;
        }
        Py_DECREF(year);
        p += 3;
    }
    return 0;
}

static PyObject *years_in(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "years_in: a str is needed");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out != NULL && append_years(out, text) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

PyDoc_STRVAR(year_features_doc,
"year_features(title, body, known, year) -> (int | None, dict)\n\n"
"An article's year and year bag (storyline.cluster.features.year_features).");

static PyObject *year_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "year_features takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *year = args[3];
    if (!PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1]) || (year != Py_None && !PyLong_CheckExact(year))) {
        PyErr_SetString(PyExc_TypeError, "year_features: a title and body (str) and a year (int or None) are needed");
        return NULL;
    }
    PyObject *years = PyList_New(0), *known = NULL, *seen = NULL, *bag = NULL, *out = NULL, *latest = NULL;
    PyObject *iter = NULL, *item;
    if (featurize_ready() < 0 || years == NULL || append_years(years, args[0]) < 0
        || append_years(years, args[1]) < 0) {
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
        if (PyList_Append(years, item) < 0) {
            goto done;
        }
    }
    if (year != Py_None && PyList_Append(years, year) < 0) {
        goto done;
    }
    /* the given year, else the first of the highest mentioned (max) */
    PyObject *best = year;
    for (Py_ssize_t k = 0; year == Py_None && k < PyList_GET_SIZE(years); k++) {
        PyObject *each = PyList_GET_ITEM(years, k);
        int higher = best == Py_None ? 1 : PyObject_RichCompareBool(each, best, Py_GT);
        if (higher < 0) {
            goto done;
        }
        best = higher ? each : best;
    }
    latest = best;
    Py_INCREF(latest);
    /* "y:YYYY" in the order of a set of the years made in this order, as the reference's */
    seen = PySet_New(years);
    bag = PyDict_New();
    if (seen == NULL || bag == NULL) {
        goto done;
    }
    iter = PyObject_GetIter(seen);
    while (iter != NULL && (item = PyIter_Next(iter)) != NULL) {
        /* f"y:{y}" of an int, which str() writes as %ld does */
        char digits[32];
        long value = PyLong_AsLong(item);
        int written = value == -1 && PyErr_Occurred() ? -1 : snprintf(digits, sizeof digits, "y:%ld", value);
        PyObject *key = written < 0 ? NULL
                       : ascii_term((const unsigned char *)digits, written, fnv1a((const unsigned char *)digits, written));
        int status = key == NULL ? -1 : PyDict_SetItem(bag, key, one_float);
        Py_XDECREF(key);
        Py_DECREF(item);
        if (status < 0) {
            goto done;
        }
    }
    if (iter != NULL && !PyErr_Occurred()) {
        out = PyTuple_Pack(2, latest, bag);
    }
done:
    Py_XDECREF(years);
    Py_XDECREF(known);
    Py_XDECREF(seen);
    Py_XDECREF(bag);
    Py_XDECREF(latest);
    Py_XDECREF(iter);
    return out;
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

/* The keys of ``counts`` (int values) with the ``most`` highest counts, highest first, ties
 * in insertion order: sorted(counts, key=counts.__getitem__, reverse=True)[:most]. */
static PyObject *most_counted(PyObject *counts, Py_ssize_t most) {
    Py_ssize_t n = PyDict_GET_SIZE(counts);
    if (most > n) {
        most = n;
    }
    PyObject *out = PyTuple_New(most);
    PyObject **keys = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(PyObject *));
    long *values = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(long));
    if (out == NULL || keys == NULL || values == NULL) {
        if (out != NULL) {
            PyErr_NoMemory();
        }
        goto fail;
    }
    Py_ssize_t pos = 0, k = 0;
    PyObject *key, *value;
    while (PyDict_Next(counts, &pos, &key, &value)) {
        keys[k] = key;
        values[k] = PyLong_AsLong(value);
        if (values[k] == -1 && PyErr_Occurred()) {
            goto fail;
        }
        k++;
    }
    for (Py_ssize_t r = 0; r < most; r++) {
        /* the first of the highest counts not taken yet (a taken one is set below any count) */
        Py_ssize_t best = -1;
        for (k = 0; k < n; k++) {
            if (values[k] != LONG_MIN && (best < 0 || values[k] > values[best])) {
                best = k;
            }
        }
        values[best] = LONG_MIN;
        Py_INCREF(keys[best]);
        PyTuple_SET_ITEM(out, r, keys[best]);
    }
    PyMem_Free(keys);
    PyMem_Free(values);
    return out;
fail:
    Py_XDECREF(out);
    PyMem_Free(keys);
    PyMem_Free(values);
    return NULL;
}

/* The mentions of one entity that names someone or something counted into ``counts`` (its
 * "kind:name", and for a person with a full name the surname alone): 0, or -1 with an
 * exception set. */
static int count_entity(PyObject *counts, PyObject *prefix, PyObject *canonical) {
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
        PyObject *key = PyUnicode_Concat(prefix, name);
        status = key == NULL ? -1 : count_key(counts, key);
        Py_XDECREF(key);
        int person = status == 0 ? PyUnicode_CompareWithASCIIString(prefix, "p:") == 0 : 0;
        Py_ssize_t space = person ? PyUnicode_FindChar(name, ' ', 0, n, -1) : -1;
        if (space == -2) {
            status = -1;
        } else if (space >= 0) {
            PyObject *surname = PyUnicode_Substring(name, space + 1, n);
            key = surname == NULL ? NULL : PyUnicode_Concat(prefix, surname);
            Py_XDECREF(surname);
            status = key == NULL ? -1 : count_key(counts, key);
            Py_XDECREF(key);
        }
    }
    Py_DECREF(name);
    return status;
}

PyDoc_STRVAR(entity_features_doc,
"entity_features(entities, prefixes, numeric, most) -> (dict, frozenset, tuple)\n\n"
"An article's entity bag, numbers and main names (storyline.cluster.features.entity_features).");

static PyObject *entity_features(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
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
    PyObject *counts = PyDict_New(), *numbers = NULL, *out = NULL;
    if (counts == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(entities); i++) {
        /* held while Python code runs (attributes, lower() of a wide name) */
        PyObject *ent = PySequence_Fast_GET_ITEM(entities, i);
        Py_INCREF(ent);
        PyObject *label = PyObject_GetAttr(ent, attr_label);
        if (label == NULL) {
            Py_DECREF(ent);
            goto done;
        }
        PyObject *prefix = PyDict_GetItemWithError(prefixes, label);
        int status = 0;
        if (prefix != NULL) {
            Py_INCREF(prefix);
            PyObject *canonical = PyObject_GetAttr(ent, attr_canonical);
            status = canonical == NULL ? -1 : count_entity(counts, prefix, canonical);
            Py_XDECREF(canonical);
            Py_DECREF(prefix);
        } else if (PyErr_Occurred()) {
            status = -1;
        } else {
            status = PySet_Contains(numeric, label);
            if (status == 1) {
                PyObject *text = PyObject_GetAttr(ent, attr_text);
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
    PyObject *weights = log_weights(counts);
    PyObject *found = numbers == NULL ? no_names : PyFrozenSet_New(numbers);
    Py_XINCREF(numbers == NULL ? found : NULL);
    PyObject *main_names = most_counted(counts, most);
    if (weights != NULL && found != NULL && main_names != NULL) {
        out = PyTuple_Pack(3, weights, found, main_names);
    }
    Py_XDECREF(weights);
    Py_XDECREF(found);
    Py_XDECREF(main_names);
done:
    Py_DECREF(entities);
    Py_XDECREF(counts);
    Py_XDECREF(numbers);
    return out;
}

/* Sorts order[0:n] (indices) by count[index], highest first, equal counts in index order
 * (a stable merge sort, as sorted(..., reverse=True) keeps ties); ``spare``: n indices. */
static void sort_by_count(Py_ssize_t *order, Py_ssize_t *spare, const Py_ssize_t *count, Py_ssize_t n) {
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
    bag = PyDict_New();
    index_terms = PyList_New(listed);
    if (bag == NULL || index_terms == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < kept; k++) {
        Py_ssize_t at = held > most ? order[k] : k;
        PyObject *weight = PyFloat_FromDouble(1.0 + log((double)count[at]));
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

/* The weight of a term counted ``count`` times, 1 + log(count), as a new float (the C
 * library's log, as math.log calls it for an int that fits a double; one shared 1.0). */
static PyObject *count_weight(Py_ssize_t count) {
    if (count == 1) {
        Py_INCREF(one_float);
        return one_float;
    }
    return PyFloat_FromDouble(1.0 + log((double)count));
}

/* log_weights(terms(text, stop, stem_chars)) as a new dict; Py_None (new) where ``text``
 * has Chinese or Japanese characters; NULL with an exception set. */
static PyObject *term_weights(PyObject *text, PyObject *stop, Py_ssize_t stem_chars) {
    if (!PyUnicode_IS_ASCII(text)) {
        PyObject *counts = wide_terms(text, stop, stem_chars);
        if (counts == NULL || counts == Py_None) {
            return counts;
        }
        PyObject *out = log_weights(counts);
        Py_DECREF(counts);
        return out;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        return NULL;
    }
    unsigned char stack[512];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    StemCounts counts;
    PyObject *out = NULL;
    if (stem_counts_init(&counts, low, n) == 0
        && count_ascii_terms(PyUnicode_1BYTE_DATA(text), n, &counts, stop, stop_bytes, stem_chars) == 0) {
        out = PyDict_New();
    }
    for (Py_ssize_t k = 0; out != NULL && k < counts.entries; k++) {
        PyObject *stem = ascii_term(low + counts.entry[k].start, counts.entry[k].len, counts.entry[k].hash);
        PyObject *weight = stem == NULL ? NULL : count_weight(counts.entry_count[k]);
        if (weight == NULL || PyDict_SetItem(out, stem, weight) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(stem);
        Py_XDECREF(weight);
    }
    stem_counts_free(&counts);
    free_scratch(low, stack);
    return out;
}

/* features.body_bag's ranking of the stems counted in ``c`` (rank_counts' order), a new
 * (bag, index terms) tuple: a str is made only for the stems kept. NULL with an exception set. */
static PyObject *rank_stems(const StemCounts *c, Py_ssize_t most, Py_ssize_t top) {
    Py_ssize_t n = c->entries, size = n > 0 ? n : 1;
    Py_ssize_t *order = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    Py_ssize_t *spare = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    PyObject **made = PyMem_Calloc((size_t)size, sizeof(PyObject *));
    PyObject *bag = PyDict_New(), *index_terms = NULL, *out = NULL;
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
    for (Py_ssize_t k = 0; bag != NULL && k < kept; k++) {
        Py_ssize_t at = n > most ? order[k] : k;
        made[at] = ascii_term(c->bytes + c->entry[at].start, c->entry[at].len, c->entry[at].hash);
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
    PyMem_Free(order);
    PyMem_Free(spare);
    PyMem_Free(made);
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

static PyObject *title_bag(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t stem_chars, min_words;
    if (text_stop_count(args, nargs, 5, "title_bag", 0, &stem_chars) < 0
        || count_argument(args[4], "title_bag", &min_words) < 0 || featurize_ready() < 0) {
        return NULL;
    }
    PyObject *stop = args[1], *url = args[3];
    if (url != Py_None && !PyUnicode_Check(url)) {
        PyErr_SetString(PyExc_TypeError, "title_bag: the URL must be a str or None");
        return NULL;
    }
    PyObject *bag = term_weights(args[0], stop, stem_chars);
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
    if (!PyUnicode_IS_ASCII(text)) {
        PyObject *counts = wide_terms(text, stop, stem_chars);
        if (counts == NULL || counts == Py_None) {
            return counts;
        }
        PyObject *out = rank_counts(counts, most, top);
        Py_DECREF(counts);
        return out;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        return NULL;
    }
    unsigned char stack[4096];
    unsigned char *low = scratch(stack, sizeof stack, n);
    if (low == NULL) {
        return NULL;
    }
    StemCounts counts;
    PyObject *out = NULL;
    if (stem_counts_init(&counts, low, n) == 0
        && count_ascii_terms(PyUnicode_1BYTE_DATA(text), n, &counts, stop, stop_bytes, stem_chars) == 0) {
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
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *member = PyDict_GetItem(type->tp_dict, PyTuple_GET_ITEM(slots, k));
        /* the class's own slot: a member descriptor of another class (set as an attribute
         * of this one) has an offset into that class's instances */
        if (member == NULL || !Py_IS_TYPE(member, &PyMemberDescr_Type)
            || ((PyDescrObject *)member)->d_type != type
            || ((PyMemberDescrObject *)member)->d_member->type != T_OBJECT_EX) {
            PyErr_SetString(PyExc_TypeError, "each of __slots__ must be an object slot of the class");
            return -1;
        }
        offsets[k] = ((PyMemberDescrObject *)member)->d_member->offset;
    }
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
    return copy;
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

static PyMethodDef methods[] = {
    {"register_idf_cache", register_idf_cache, METH_O, register_idf_cache_doc},
    {"add_into", add_into, METH_VARARGS, add_into_doc},
    {"square_sum", square_sum, METH_O, square_sum_doc},
    {"weighted_dot", weighted_dot, METH_VARARGS, weighted_dot_doc},
    {"weighted_square_sum", weighted_square_sum, METH_VARARGS, weighted_square_sum_doc},
    {"weighted", weighted, METH_VARARGS, weighted_doc},
    {"line_token_sums", line_token_sums, METH_VARARGS, line_token_sums_doc},
    {"candidate_rows", candidate_rows, METH_VARARGS, candidate_rows_doc},
    {"split_lines", split_lines, METH_VARARGS, split_lines_doc},
    {"line_shapes", line_shapes, METH_VARARGS, line_shapes_doc},
    {"lines_holding", lines_holding, METH_VARARGS, lines_holding_doc},
    {"layout_columns", layout_columns, METH_VARARGS, layout_columns_doc},
    {"joined_samples", joined_samples, METH_VARARGS, joined_samples_doc},
    {"context_rows", context_rows, METH_VARARGS, context_rows_doc},
    {"corpus_counts", corpus_counts, METH_VARARGS, corpus_counts_doc},
    {"tree_decision", tree_decision, METH_VARARGS, tree_decision_doc},
    /* featurize */
    {"word_terms", (PyCFunction)(void (*)(void))word_terms, METH_FASTCALL, word_terms_doc},
    {"time_words", (PyCFunction)(void (*)(void))time_words, METH_FASTCALL, time_words_doc},
    {"years_in", years_in, METH_O, years_in_doc},
    {"year_features", (PyCFunction)(void (*)(void))year_features, METH_FASTCALL, year_features_doc},
    {"entity_features", (PyCFunction)(void (*)(void))entity_features, METH_FASTCALL, entity_features_doc},
    {"title_bag", (PyCFunction)(void (*)(void))title_bag, METH_FASTCALL, title_bag_doc},
    {"body_bag", (PyCFunction)(void (*)(void))body_bag, METH_FASTCALL, body_bag_doc},
    /* featurize's records */
    {"new_fields", (PyCFunction)(void (*)(void))new_fields, METH_FASTCALL, new_fields_doc},
    {"with_field", (PyCFunction)(void (*)(void))with_field, METH_FASTCALL, with_field_doc},
    /* the clusterer's scoring kernel */
    {"story_cosine", (PyCFunction)(void (*)(void))story_cosine, METH_FASTCALL, story_cosine_doc},
    {"text_cosine", (PyCFunction)(void (*)(void))text_cosine, METH_FASTCALL, text_cosine_doc},
    {"rank_stories", (PyCFunction)(void (*)(void))rank_stories, METH_FASTCALL, rank_stories_doc},
    {"fresh_norms_of", (PyCFunction)(void (*)(void))fresh_norms_of, METH_FASTCALL, fresh_norms_of_doc},
    {"top_entities_of", (PyCFunction)(void (*)(void))top_entities_of, METH_FASTCALL, top_entities_of_doc},
    {"best_story", (PyCFunction)(void (*)(void))best_story, METH_FASTCALL, best_story_doc},
    {"pair_features", (PyCFunction)(void (*)(void))pair_features, METH_FASTCALL, pair_features_doc},
    {"fill_vectors", (PyCFunction)(void (*)(void))fill_vectors, METH_FASTCALL, fill_vectors_doc},
    {"symmetric", (PyCFunction)(void (*)(void))symmetric, METH_FASTCALL, symmetric_doc},
    {"linear_probability", (PyCFunction)(void (*)(void))linear_probability, METH_FASTCALL, linear_probability_doc},
    {"interaction_probability", (PyCFunction)(void (*)(void))interaction_probability, METH_FASTCALL,
     interaction_probability_doc},
    /* refinement's merge pass */
    {"article_norms", (PyCFunction)(void (*)(void))article_norms_of, METH_FASTCALL, article_norms_doc},
    {"headline_merge_probability", (PyCFunction)(void (*)(void))headline_merge_probability, METH_FASTCALL,
     headline_merge_probability_doc},
    /* the stream's bookkeeping and retrieval */
    {"top_by_shared_keys", top_by_shared_keys, METH_VARARGS, top_by_shared_keys_doc},
    {"add_bags", add_bags, METH_VARARGS, add_bags_doc},
    {"file_keys", file_keys, METH_VARARGS, file_keys_doc},
    {"unfile_keys", unfile_keys, METH_VARARGS, unfile_keys_doc},
    {"count_terms", count_terms, METH_VARARGS, count_terms_doc},
    {"best_terms", best_terms, METH_VARARGS, best_terms_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_speedups",
    .m_doc = "Hot loops of storyline in C (see cluster/_sparse.py and extract/_lines.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    if (str_lower == NULL) {
        str_lower = PyUnicode_InternFromString("lower");
        str_isprintable = PyUnicode_InternFromString("isprintable");
        one_space = PyUnicode_FromString(" ");
        line_feed = PyUnicode_FromString("\n");
        no_chars = PyUnicode_FromString("");
        if (str_lower == NULL || str_isprintable == NULL || one_space == NULL || line_feed == NULL || no_chars == NULL) {
            Py_CLEAR(str_lower);
            Py_CLEAR(str_isprintable);
            Py_CLEAR(one_space);
            Py_CLEAR(line_feed);
            Py_CLEAR(no_chars);
            return NULL;
        }
    }
    return PyModule_Create(&module);
}
