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
#include <structmember.h> /* T_OBJECT_EX: a slot's member type */

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

/* Where a class keeps a plain, writable __slots__ member ``name`` (an interned str): the
 * offset of its member descriptor, learnt once per class, version of it and name (a class
 * changed since is learnt again), 0 where the name is no such slot. */
typedef struct {
    PyTypeObject *type; /* strong references */
    PyObject *name;
    unsigned int version;
    Py_ssize_t offset;
} SlotOffset;
static SlotOffset slot_offset_cache[16];
static int next_slot_offset = 0;

static Py_ssize_t plain_slot(PyTypeObject *type, PyObject *name) {
    for (int i = 0; i < 16; i++) {
        SlotOffset *at = &slot_offset_cache[i];
        if (at->type == type && at->name == name && at->version == type->tp_version_tag
                && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
            return at->offset;
        }
    }
    PyObject *descr = _PyType_Lookup(type, name); /* borrowed; gives the class a version */
    Py_ssize_t offset = 0;
    /* a slot of the class or of a base: a member descriptor of an unrelated class (set as
     * an attribute of this one) has an offset into that class's instances */
    if (descr != NULL && Py_IS_TYPE(descr, &PyMemberDescr_Type)
            && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX
            && !(((PyMemberDescrObject *)descr)->d_member->flags & READONLY)
            && PyType_IsSubtype(type, ((PyDescrObject *)descr)->d_type)) {
        offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    if (PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        SlotOffset *at = &slot_offset_cache[next_slot_offset];
        next_slot_offset = (next_slot_offset + 1) % 16;
        Py_XSETREF(at->type, (PyTypeObject *)Py_NewRef(type));
        Py_XSETREF(at->name, Py_NewRef(name));
        at->version = type->tp_version_tag;
        at->offset = offset;
    }
    return offset;
}

/* getattr(obj, name), read straight from the slot where ``name`` (an interned str) is a
 * plain __slots__ member of obj's class (what getattr does then, without its lookups: the
 * IDF cache and its DocumentFrequencies have slots, and a miss reads three of them). */
static PyObject *slot_attr(PyObject *obj, PyObject *name) {
    PyTypeObject *type = Py_TYPE(obj);
    Py_ssize_t offset = type->tp_getattro == PyObject_GenericGetAttr ? plain_slot(type, name) : 0;
    if (offset != 0) {
        PyObject *value = *(PyObject **)((char *)obj + offset);
        if (value != NULL) {
            return Py_NewRef(value);
        }
    }
    return PyObject_GetAttr(obj, name); /* an unset slot raises here */
}

/* Where a miss reads the cache's owner and the owner's n and df: each read's slot offset
 * for the class it last read (plain_slot's, held while the class keeps its version), so
 * that a miss reads its three slots without a search of plain_slot's cache. */
typedef struct {
    PyTypeObject *type; /* a strong reference */
    unsigned int version;
    Py_ssize_t offset;
} SlotSite;
static SlotSite idf_owner_site, idf_n_site, idf_df_site;

/* site_attr's learning: the site's class and version, then the read. */
static PyObject *site_attr_learn(SlotSite *site, PyObject *obj, PyObject *name) {
    PyTypeObject *type = Py_TYPE(obj);
    Py_ssize_t offset = type->tp_getattro == PyObject_GenericGetAttr ? plain_slot(type, name) : 0;
    if (!PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return slot_attr(obj, name); /* no version to check it by */
    }
    Py_XSETREF(site->type, (PyTypeObject *)Py_NewRef(type));
    site->version = type->tp_version_tag;
    site->offset = offset;
    PyObject *value = site->offset != 0 ? *(PyObject **)((char *)obj + site->offset) : NULL;
    return value != NULL ? Py_NewRef(value) : PyObject_GetAttr(obj, name); /* an unset slot raises here */
}

/* What a site's slot holds in ``obj`` (borrowed), where the site learnt obj's class as it
 * is now and the slot is set; else NULL (site_attr then reads it). */
static inline PyObject *site_peek(const SlotSite *site, PyObject *obj) {
    PyTypeObject *type = Py_TYPE(obj);
    if (type != site->type || site->offset == 0 || site->version != type->tp_version_tag
            || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return NULL;
    }
    return *(PyObject **)((char *)obj + site->offset);
}

/* slot_attr(obj, name) through the offset a site learnt, inline where the class is the
 * one learnt and unchanged (a class given __getattr__ or __getattribute__ since has a new
 * version) and the slot is set. */
static inline PyObject *site_attr(SlotSite *site, PyObject *obj, PyObject *name) {
    PyObject *value = site_peek(site, obj);
    return value != NULL ? Py_NewRef(value) : site_attr_learn(site, obj, name);
}

/* kept out of line: idf_of's lookup, inlined where it is called, is the common case */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int computed_idf(PyObject *idf, PyObject *term, double *out) {
    if (idf_df_name == NULL) {
        if ((idf_owner_name == NULL && (idf_owner_name = PyUnicode_InternFromString("owner")) == NULL)
                || (idf_n_name == NULL && (idf_n_name = PyUnicode_InternFromString("n")) == NULL)
                || (idf_df_name = PyUnicode_InternFromString("df")) == NULL) {
            return -1;
        }
    }
    /* the three slots read straight where the sites know the classes (no Python code
     * runs between the reads), else through site_attr */
    PyObject *owner = site_peek(&idf_owner_site, idf);
    PyObject *n_obj = owner == NULL ? NULL : site_peek(&idf_n_site, owner);
    PyObject *df = n_obj == NULL ? NULL : site_peek(&idf_df_site, owner);
    if (df != NULL) {
        Py_INCREF(n_obj);
        Py_INCREF(df);
    } else {
        if ((owner = site_attr(&idf_owner_site, idf, idf_owner_name)) == NULL) {
            return -1;
        }
        n_obj = site_attr(&idf_n_site, owner, idf_n_name);
        df = n_obj == NULL ? NULL : site_attr(&idf_df_site, owner, idf_df_name);
        Py_DECREF(owner);
        if (df == NULL) {
            Py_XDECREF(n_obj);
            return -1;
        }
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

/* A number read from a dict (borrowed) as a double, as PyFloat_AsDouble reads it: held
 * while one that is no float converts (its __float__, Python code, may take it out of the
 * dict); -1.0 with an exception set on failure. */
static double float_of(PyObject *value) {
    if (PyFloat_CheckExact(value)) {
        return PyFloat_AS_DOUBLE(value);
    }
    Py_INCREF(value);
    double out = PyFloat_AsDouble(value);
    Py_DECREF(value);
    return out;
}

/* idf[term] as a double: a dict lookup, else the mapping's own __getitem__ (the IDF
 * cache computes missing terms in __missing__; for the registered cache class this is
 * done here, the same way). Returns -1.0 with an exception set on failure (an IDF
 * weight is never negative). */
static inline double idf_of(PyObject *idf, PyObject *term) {
    PyObject *value = PyDict_GetItemWithError(idf, term);
    if (value != NULL) {
        return float_of(value);
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
 * term (and a value that is no float) is held while Python code may run: a value's
 * __float__, the IDF's __missing__ may take them out of the bag. */
static int weight_and_idf(PyObject *idf, PyObject *term, PyObject *value, double *weight, double *term_idf) {
    Py_INCREF(term);
    *weight = float_of(value);
    *term_idf = FAILED(*weight) ? -1.0 : idf_of(idf, term);
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

/* weighted() of two dicts. */
static PyObject *weighted_of(PyObject *bag, PyObject *idf) {
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

static PyObject *weighted(PyObject *self, PyObject *args) {
    PyObject *bag, *idf;
    if (!PyArg_ParseTuple(args, "O!O!:weighted", &PyDict_Type, &bag, &PyDict_Type, &idf)) {
        return NULL;
    }
    return weighted_of(bag, idf);
}

/* bag[term] = bag.get(term, 0.0) + value; with ``squared`` not NULL, the bag's
 * IDF-weighted squared norm updated for it as add_into's reference does (``idf`` a dict
 * then). -1 with an exception set on failure. One lookup finds the term or inserts it
 * (setdefault with the sum it gets when new); a float that only the bag holds is updated
 * in place (no one can see it change), saving a new float and a second lookup. */
/* The IDF weights of a part's terms in their order, as adding it into a bag with a live
 * norm reads them: ``known`` where read already (the same part added into another bag),
 * else to be written; ``at`` the next term's. */
typedef struct {
    double *weights;
    Py_ssize_t size, at;
    int known;
} IdfMemo;

/* A float that no one else holds, kept by add_term for its next term: a term found in
 * the bag leaves the float it would have been inserted with unused. */
static PyObject *spare_float = NULL;

static int add_term(PyObject *bag, PyObject *term, PyObject *value, PyObject *idf, double *squared, IdfMemo *memo) {
    double weight = PyFloat_AsDouble(value);
    if (FAILED(weight)) {
        return -1;
    }
    double old = 0.0, updated = old + weight;
    /* taken: a call nested in Python code run below makes its own */
    PyObject *number = spare_float;
    spare_float = NULL;
    if (number != NULL) {
        ((PyFloatObject *)number)->ob_fval = updated;
    } else if ((number = PyFloat_FromDouble(updated)) == NULL) {
        return -1;
    }
    Py_INCREF(term); /* held while Python code may run (a key's __eq__, the IDF's __missing__) */
    PyObject *current = PyDict_SetDefault(bag, term, number); /* borrowed */
    int done = current == NULL ? -1 : 0;
    if (current != NULL && current != number) {
        if (PyFloat_CheckExact(current) && Py_REFCNT(current) == 1) {
            old = PyFloat_AS_DOUBLE(current);
            updated = old + weight;
            ((PyFloatObject *)current)->ob_fval = updated;
        } else {
            Py_INCREF(current); /* held while it converts */
            old = PyFloat_AsDouble(current);
            Py_DECREF(current);
            updated = old + weight;
            /* ``number`` is still ours alone: it takes the sum */
            ((PyFloatObject *)number)->ob_fval = updated;
            done = FAILED(old) ? -1 : PyDict_SetItem(bag, term, number);
        }
    }
    if (Py_REFCNT(number) == 1 && spare_float == NULL) {
        spare_float = number; /* not inserted */
    } else {
        Py_DECREF(number);
    }
    if (done == 0 && squared != NULL) {
        double w = memo == NULL ? idf_of(idf, term) : memo->known ? memo->weights[memo->at] : idf_of(idf, term);
        if (memo != NULL) {
            memo->weights[memo->at++] = w;
        }
        if (FAILED(w)) {
            done = -1;
        } else {
            *squared += (updated * updated - old * old) * (w * w);
        }
    }
    Py_DECREF(term);
    return done;
}

/* Whether adding ``part`` into ``bag`` is a copy of it: ``bag`` an empty plain dict and
 * ``part`` a plain dict of exact str terms and exact float weights, none -0.0 (0.0 + w is
 * then w itself, bit for bit, and no Python code runs). A new story's bags fill so, in
 * one PyDict_Update (which clones the part's table) instead of an insert per term; the
 * bag then shares the part's floats, which add_term only changes in place when the bag
 * holds the sole reference. */
static int copies_into_empty(PyObject *bag, PyObject *part) {
    if (PyDict_GET_SIZE(bag) != 0 || !PyDict_CheckExact(bag) || !PyDict_CheckExact(part)) {
        return 0;
    }
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (PyDict_Next(part, &pos, &term, &value)) {
        if (!PyUnicode_CheckExact(term) || !PyFloat_CheckExact(value)
                || (PyFloat_AS_DOUBLE(value) == 0.0 && signbit(PyFloat_AS_DOUBLE(value)))) {
            return 0;
        }
    }
    return 1;
}

/* Adds ``part``'s weights into ``bag`` (dicts), as add_term adds each (``memo`` NULL or
 * as long as the part). */
static int add_terms(PyObject *bag, PyObject *part, PyObject *idf, double *squared, IdfMemo *memo) {
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    Py_ssize_t size = PyDict_GET_SIZE(part);
    if (squared == NULL && copies_into_empty(bag, part)) {
        return PyDict_Update(bag, part);
    }
    while (PyDict_Next(part, &pos, &term, &value)) {
        /* held: the bag's lookups and the IDF may run Python code (a key's __eq__,
         * __missing__), which may take them out of ``part`` */
        Py_INCREF(term);
        Py_INCREF(value);
        int status = add_term(bag, term, value, idf, squared, memo);
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
        if (add_terms(bag, part, NULL, NULL, NULL) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "add_into: idf must be a dict when squared is given");
        return NULL;
    }
    double squared = PyFloat_AsDouble(squared_arg);
    if (FAILED(squared) || add_terms(bag, part, idf, &squared, NULL) < 0) {
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

/* The key of ``kinds`` that a str term opens with, found by its first two characters
 * among the exact str keys of two (no slice made, no hash computed), its bag into
 * *bag; NULL where none is found so (the slice then finds the kind, or fails as the
 * reference fails). */
static PyObject *kind_key_by_chars(PyObject *kinds, PyObject *term, PyObject **bag) {
    if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) < 2) {
        return NULL;
    }
    Py_UCS4 first = PyUnicode_READ_CHAR(term, 0), second = PyUnicode_READ_CHAR(term, 1);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(kinds, &pos, &key, &value)) {
        if (PyUnicode_CheckExact(key) && PyUnicode_GET_LENGTH(key) == 2 && PyUnicode_READ_CHAR(key, 0) == first
                && PyUnicode_READ_CHAR(key, 1) == second) {
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

/* add_bags of ``n`` names, bags and parts (a dict ``norms``, ``idf`` a dict or None, dicts
 * ``kinds`` and ``entities``); -1 with an exception set. */
static int add_bags_of(PyObject *norms, PyObject *idf, Py_ssize_t n, PyObject *const *names, PyObject *const *bags,
                       PyObject *const *parts, PyObject *kinds, PyObject *entities) {
    if (idf != Py_None && !PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "add_bags: idf must be a dict or None");
        return -1;
    }
    /* a part added into two bags with live norms (StoryFeatures.add adds the title and
     * the body twice) reads its terms' IDF weights once, where no Python code can change
     * a stored weight between (a plain dict, or the clusterer's cache: a miss adds its own) */
    int memo_safe = idf != Py_None && (PyDict_CheckExact(idf) || Py_TYPE(idf) == idf_cache_type);
    IdfMemo memos[8] = {{NULL, 0, 0, 0}};
    int out = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = names[i], *bag = bags[i], *part = parts[i];
        if (!PyDict_Check(bag) || !PyDict_Check(part)) {
            PyErr_SetString(PyExc_TypeError, "add_bags: bags and parts must be dicts");
            goto memos_done;
        }
        if (PyDict_GET_SIZE(part) == 0) {
            continue; /* a headline's body, say: bag and norm stay as they are */
        }
        double squared = 0.0;
        int live = live_norm(norms, idf, name, &squared);
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
        for (Py_ssize_t k = i + 1; k < n && i < 8 && live && memo_safe && memo == NULL; k++) {
            if (parts[k] == part) { /* added again below: its weights kept */
                memo = &memos[i];
                memo->size = PyDict_GET_SIZE(part);
                if ((memo->weights = PyMem_Malloc((size_t)memo->size * sizeof(double))) == NULL) {
                    PyErr_NoMemory();
                    goto memos_done;
                }
            }
        }
        if (add_terms(bag, part, live ? idf : NULL, live ? &squared : NULL, memo) < 0) {
            goto memos_done;
        }
        if (memo != NULL) {
            memo->known = 1;
        }
        if ((live ? set_norm(norms, name, squared) : drop_norm(norms, name)) < 0) {
            goto memos_done;
        }
    }
    out = 0;
memos_done:
    for (int j = 0; j < 8; j++) {
        PyMem_Free(memos[j].weights);
    }
    if (out < 0) {
        return -1;
    }
    Py_ssize_t size = PyDict_GET_SIZE(entities);
    if (size == 0) {
        return 0;
    }
    /* each kind's terms in entity order, its norm updated over them alone: what adding
     * the split-off bags one after another does */
    KindPart few[4];
    KindPart *split = size <= 4 ? few : PyMem_Malloc((size_t)size * sizeof(KindPart));
    if (split == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t used = 0, pos = 0, seen = 0;
    PyObject *term, *value;
    out = -1;
    /* the ``size`` entities split at the start, as the reference splits them before it
     * adds: entities that Python code run here adds (an IDF's __missing__) are not, and
     * there are no more kinds than ``split`` has room for */
    while (seen++ < size && PyDict_Next(entities, &pos, &term, &value)) {
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
        if (add_term(at->bag, term, value, at->live ? idf : NULL, at->live ? &at->squared : NULL, NULL) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < used; k++) {
        if ((split[k].live ? set_norm(norms, split[k].kind, split[k].squared) : drop_norm(norms, split[k].kind)) < 0) {
            goto done;
        }
    }
    out = 0;
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

/* counts[term] = counts.get(term, 0) + 1 unless ``term`` (of bags[i], of str_hash
 * ``hash``) is in one of the bags before it (counted there; filters[j] of bags[j] for
 * j < FILTERED_BAGS): 0, or -1 with an exception set. The term is held: the lookups may
 * run Python code (a key's __eq__) that takes it out of its bag. A get and a set, as
 * Counter.update counts: most terms are counted before (a setdefault first would be a
 * third lookup for them); a plain int count is added to without the number protocol. */
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
    PyObject *count = PyDict_GetItemWithError(counts, term); /* borrowed */
    PyObject *next = NULL;
    int overflow = 1;
    long old = count != NULL && PyLong_CheckExact(count) ? PyLong_AsLongAndOverflow(count, &overflow) : 0;
    if (count == NULL) {
        next = PyErr_Occurred() ? NULL : PyLong_FromLong(1); /* a cached small int: no allocation */
    } else if (!overflow && old < LONG_MAX) {
        next = PyLong_FromLong(old + 1);
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
        while (PyDict_Next(bags[i], &pos, &term, &weight)) {
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
    if (!PyArg_ParseTuple(args, "O!O!:count_terms", &PyDict_Type, &counts, &PyTuple_Type, &bags)) {
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

/* ---- The clusterer's inverted index: KeyIndex (reference: the class of that name in
 * storyline/cluster/_sparse.py). Each key holds the slots of the stories filed under it
 * in a C array, and retrieval sums each story's IDF in its slot (a story's slot is found
 * once, when it is filed), walking no Python set and making no dict of scores. ---- */

/* A story's place in the index: its id... */
typedef struct {
    long long sid;     /* the id's value */
    PyObject *sid_obj; /* the id as first filed (held); NULL in a free slot */
    Py_ssize_t filed;  /* the keys holding the story */
} StorySlot;

/* ... and, apart (what retrieval walks, packed), its score. */
typedef struct {
    double score;  /* the summed IDF, where seen is the retrieval under way */
    uint32_t seen; /* the retrieval that last scored the story */
} SlotScore;

/* A key and the slots of the stories filed under it (in no order); key NULL: an empty place. */
typedef struct {
    PyObject *key; /* an exact str, held */
    Py_hash_t hash;
    uint32_t *holders;
    uint32_t n, capacity; /* 32 bytes a key: two to a cache line */
} KeyHolders;

typedef struct {
    PyObject_HEAD
    KeyHolders *table; /* open addressing with linear probing, at most half full */
    size_t mask;       /* the table's size - 1 */
    Py_ssize_t used;   /* keys held */
    StorySlot *slots;
    SlotScore *scores;    /* by slot */
    uint32_t *free_slots; /* a stack of the slots of stories no longer filed */
    uint32_t *touched;    /* the slots a retrieval scored, in no order (scratch) */
    uint32_t *by_sid;     /* 1 + the slot of a story by its id (as the table; 0: empty) */
    size_t sid_mask;
    uint32_t slot_count, slot_capacity, free_count;
    uint32_t stamp; /* the retrieval under way */
    int busy;       /* in a call: the Python code it runs (a generator of keys, an IDF's
                     * __missing__) must not call the index, which is half-way through */
} KeyIndexObject;

static inline size_t mix_hash(uint64_t h, size_t mask) {
    h *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 32)) & mask;
}

/* Whether place ``i`` (emptied) lies on the probe path of the entry at ``j`` whose first
 * place is ``home``: the entry may then move to it (deletion by backward shift). */
static inline int on_probe_path(size_t home, size_t i, size_t j, size_t mask) {
    return ((j - home) & mask) >= ((j - i) & mask);
}

/* 0, or -1 with RuntimeError set where a call of the index is under way. */
static int index_free(KeyIndexObject *self) {
    if (!self->busy) {
        return 0;
    }
    PyErr_SetString(PyExc_RuntimeError, "KeyIndex: called from Python code that one of its calls runs");
    return -1;
}

/* A story id's value; -1 with an exception set on failure. */
static int story_id(PyObject *sid, long long *value) {
    if (!PyLong_Check(sid)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex: story ids must be ints");
        return -1;
    }
    *value = PyLong_AsLongLong(sid);
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

/* A key's hash; -1 with an exception set where it is not an exact str (whose hash and
 * equality run no Python code). */
static Py_hash_t key_hash(PyObject *key) {
    if (!PyUnicode_CheckExact(key)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex: keys must be str");
        return -1;
    }
    Py_hash_t cached = ((PyASCIIObject *)key)->hash; /* -1 until first hashed */
    return cached != -1 ? cached : PyObject_Hash(key);
}

/* The place of ``key`` (of ``hash``) in the table, or the empty place where it would go. */
static size_t key_place(const KeyIndexObject *self, PyObject *key, Py_hash_t hash) {
    size_t i = mix_hash((uint64_t)hash, self->mask);
    for (;;) {
        const KeyHolders *e = &self->table[i];
        if (e->key == NULL || e->key == key || (e->hash == hash && PyUnicode_Compare(e->key, key) == 0)) {
            return i;
        }
        i = (i + 1) & self->mask;
    }
}

/* Doubles the table; -1 with an exception set on failure. */
static int grow_keys(KeyIndexObject *self) {
    size_t size = 2 * (self->mask + 1), mask = size - 1;
    KeyHolders *table = PyMem_Calloc(size, sizeof(KeyHolders));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k <= self->mask; k++) {
        if (self->table[k].key != NULL) {
            size_t i = mix_hash((uint64_t)self->table[k].hash, mask);
            while (table[i].key != NULL) {
                i = (i + 1) & mask;
            }
            table[i] = self->table[k];
        }
    }
    PyMem_Free(self->table);
    self->table = table;
    self->mask = mask;
    return 0;
}

/* Empties place ``i`` of the table (its holders freed, its key left to the caller). */
static void drop_key(KeyIndexObject *self, size_t i) {
    PyMem_Free(self->table[i].holders);
    for (size_t j = (i + 1) & self->mask; self->table[j].key != NULL; j = (j + 1) & self->mask) {
        if (on_probe_path(mix_hash((uint64_t)self->table[j].hash, self->mask), i, j, self->mask)) {
            self->table[i] = self->table[j];
            i = j;
        }
    }
    self->table[i] = (KeyHolders){NULL, 0, NULL, 0, 0};
    self->used--;
}

/* The place of story ``sid`` in by_sid, or the empty place where it would go. */
static size_t sid_place(const KeyIndexObject *self, long long sid) {
    size_t i = mix_hash((uint64_t)sid, self->sid_mask);
    while (self->by_sid[i] != 0 && self->slots[self->by_sid[i] - 1].sid != sid) {
        i = (i + 1) & self->sid_mask;
    }
    return i;
}

/* Doubles the room for story slots (by_sid stays at most half full); -1 with an exception
 * set on failure. Arrays grown before a failure stay grown: only the capacity says. */
static int grow_slots(KeyIndexObject *self) {
    uint32_t capacity = self->slot_capacity ? 2 * self->slot_capacity : 64;
    if (capacity > (1u << 30)) {
        PyErr_NoMemory();
        return -1;
    }
    StorySlot *slots = PyMem_Realloc(self->slots, capacity * sizeof(StorySlot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->slots = slots;
    SlotScore *scores = PyMem_Realloc(self->scores, capacity * sizeof(SlotScore));
    if (scores == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->scores = scores;
    uint32_t *free_slots = PyMem_Realloc(self->free_slots, capacity * sizeof(uint32_t));
    if (free_slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->free_slots = free_slots;
    uint32_t *touched = PyMem_Realloc(self->touched, capacity * sizeof(uint32_t));
    if (touched == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->touched = touched;
    size_t size = 2 * (size_t)capacity, mask = size - 1;
    uint32_t *by_sid = PyMem_Calloc(size, sizeof(uint32_t));
    if (by_sid == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; self->by_sid != NULL && k <= self->sid_mask; k++) {
        uint32_t held = self->by_sid[k];
        if (held != 0) {
            size_t i = mix_hash((uint64_t)slots[held - 1].sid, mask);
            while (by_sid[i] != 0) {
                i = (i + 1) & mask;
            }
            by_sid[i] = held;
        }
    }
    PyMem_Free(self->by_sid);
    self->by_sid = by_sid;
    self->sid_mask = mask;
    self->slot_capacity = capacity;
    return 0;
}

/* The slot of story ``sid`` (of value ``value``): -1 where it is not filed (with
 * ``create``, a new slot, filed under no key yet; -1 then means an exception is set). */
static long long story_slot(KeyIndexObject *self, PyObject *sid, long long value, int create) {
    if (self->by_sid != NULL) {
        uint32_t held = self->by_sid[sid_place(self, value)];
        if (held != 0) {
            return held - 1;
        }
    }
    if (!create) {
        return -1;
    }
    uint32_t s;
    if (self->free_count > 0) {
        s = self->free_slots[--self->free_count];
    } else {
        if (self->slot_count == self->slot_capacity && grow_slots(self) < 0) {
            return -1;
        }
        s = self->slot_count++;
    }
    self->slots[s] = (StorySlot){value, Py_NewRef(sid), 0};
    self->scores[s] = (SlotScore){0.0, 0};
    self->by_sid[sid_place(self, value)] = s + 1;
    return s;
}

/* Frees the slot of a story filed under no key. */
static void release_slot(KeyIndexObject *self, uint32_t s) {
    size_t i = sid_place(self, self->slots[s].sid);
    for (size_t j = (i + 1) & self->sid_mask; self->by_sid[j] != 0; j = (j + 1) & self->sid_mask) {
        if (on_probe_path(mix_hash((uint64_t)self->slots[self->by_sid[j] - 1].sid, self->sid_mask), i, j,
                          self->sid_mask)) {
            self->by_sid[i] = self->by_sid[j];
            i = j;
        }
    }
    self->by_sid[i] = 0;
    PyObject *sid = self->slots[s].sid_obj;
    self->slots[s].sid_obj = NULL;
    self->free_slots[self->free_count++] = s;
    Py_DECREF(sid);
}

/* The items of an iterable, a tuple's read in place; each a new reference, NULL at the
 * end or on failure (an exception set). */
typedef struct {
    PyObject *tuple, *iter;
    Py_ssize_t at;
} ItemWalk;

static int items_begin(ItemWalk *w, PyObject *items) {
    w->at = 0;
    w->iter = NULL;
    w->tuple = PyTuple_CheckExact(items) ? items : NULL;
    if (w->tuple == NULL && (w->iter = PyObject_GetIter(items)) == NULL) {
        return -1;
    }
    return 0;
}

static PyObject *items_next(ItemWalk *w) {
    if (w->tuple == NULL) {
        return PyIter_Next(w->iter);
    }
    return w->at < PyTuple_GET_SIZE(w->tuple) ? Py_NewRef(PyTuple_GET_ITEM(w->tuple, w->at++)) : NULL;
}

static void items_end(ItemWalk *w) {
    Py_XDECREF(w->iter);
}

/* Files slot ``s`` under ``key``; -1 with an exception set on failure. */
static int file_under(KeyIndexObject *self, PyObject *key, uint32_t s) {
    Py_hash_t hash = key_hash(key);
    if (hash == -1) {
        return -1;
    }
    if ((size_t)(self->used + 1) * 2 > self->mask + 1 && grow_keys(self) < 0) {
        return -1;
    }
    KeyHolders *e = &self->table[key_place(self, key, hash)];
    if (e->key == NULL) {
        uint32_t *holders = PyMem_Malloc(4 * sizeof(uint32_t));
        if (holders == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        holders[0] = s;
        *e = (KeyHolders){Py_NewRef(key), hash, holders, 1, 4};
        self->used++;
        self->slots[s].filed++;
        return 0;
    }
    for (uint32_t k = e->n; k-- > 0;) {
        if (e->holders[k] == s) {
            return 0;
        }
    }
    if (e->n == e->capacity) {
        uint32_t *holders = e->capacity > (1u << 30) ? NULL
                            : PyMem_Realloc(e->holders, (size_t)e->capacity * 2 * sizeof(uint32_t));
        if (holders == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        e->holders = holders;
        e->capacity *= 2;
    }
    e->holders[e->n++] = s;
    self->slots[s].filed++;
    return 0;
}

/* Takes slot ``s`` out from under ``key`` (the key leaves where no story is left under
 * it); -1 with an exception set on failure. */
static int unfile_from(KeyIndexObject *self, PyObject *key, uint32_t s) {
    Py_hash_t hash = key_hash(key);
    if (hash == -1) {
        return -1;
    }
    size_t i = key_place(self, key, hash);
    KeyHolders *e = &self->table[i];
    for (uint32_t k = 0; e->key != NULL && k < e->n; k++) {
        if (e->holders[k] == s) {
            e->holders[k] = e->holders[--e->n];
            self->slots[s].filed--;
            if (e->n == 0) {
                PyObject *gone = e->key;
                drop_key(self, i);
                Py_DECREF(gone);
            }
            break;
        }
    }
    return 0;
}

static PyObject *KeyIndex_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex() takes no arguments");
        return NULL;
    }
    KeyIndexObject *self = (KeyIndexObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->table = PyMem_Calloc(16, sizeof(KeyHolders));
    self->mask = 15;
    if (self->table == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static void KeyIndex_dealloc(KeyIndexObject *self) {
    for (size_t k = 0; self->table != NULL && k <= self->mask; k++) {
        if (self->table[k].key != NULL) {
            PyMem_Free(self->table[k].holders);
            Py_DECREF(self->table[k].key);
        }
    }
    for (uint32_t s = 0; s < self->slot_count; s++) {
        Py_XDECREF(self->slots[s].sid_obj);
    }
    PyMem_Free(self->table);
    PyMem_Free(self->slots);
    PyMem_Free(self->scores);
    PyMem_Free(self->free_slots);
    PyMem_Free(self->touched);
    PyMem_Free(self->by_sid);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t KeyIndex_len(KeyIndexObject *self) {
    return self->used;
}

PyDoc_STRVAR(KeyIndex_file_doc,
"file(keys, sid) -> None\n\n"
"Files story ``sid`` (an int) under each of ``keys`` (str).");

static PyObject *KeyIndex_file(KeyIndexObject *self, PyObject *const *args, Py_ssize_t nargs) {
    long long value;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.file takes keys and a story id");
        return NULL;
    }
    if (index_free(self) < 0 || story_id(args[1], &value) < 0) {
        return NULL;
    }
    self->busy = 1;
    PyObject *out = NULL;
    long long s = story_slot(self, args[1], value, 1);
    if (s < 0) {
        self->busy = 0;
        return NULL;
    }
    ItemWalk keys;
    if (items_begin(&keys, args[0]) == 0) {
        PyObject *key;
        int failed = 0;
        while (!failed && (key = items_next(&keys)) != NULL) {
            failed = file_under(self, key, (uint32_t)s) < 0;
            Py_DECREF(key);
        }
        items_end(&keys);
        out = failed || PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    }
    if (self->slots[s].filed == 0) {
        release_slot(self, (uint32_t)s); /* filed under no key */
    }
    self->busy = 0;
    return out;
}

PyDoc_STRVAR(KeyIndex_unfile_doc,
"unfile(key_lists, sid) -> None\n\n"
"Takes story ``sid`` out from under each key of ``key_lists`` (its members' keys); a\n"
"key no story is left under leaves the index. A story filed under no key: nothing to do.");

/* Takes slot ``s`` out from under each of ``keys``; -1 with an exception set on failure. */
static int unfile_all(KeyIndexObject *self, PyObject *keys, uint32_t s) {
    ItemWalk walk;
    if (items_begin(&walk, keys) < 0) {
        return -1;
    }
    PyObject *key;
    int failed = 0;
    while (!failed && (key = items_next(&walk)) != NULL) {
        failed = unfile_from(self, key, s) < 0;
        Py_DECREF(key);
    }
    items_end(&walk);
    return failed || PyErr_Occurred() ? -1 : 0;
}

static PyObject *KeyIndex_unfile(KeyIndexObject *self, PyObject *const *args, Py_ssize_t nargs) {
    long long value;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.unfile takes key lists and a story id");
        return NULL;
    }
    if (index_free(self) < 0 || story_id(args[1], &value) < 0) {
        return NULL;
    }
    long long s = story_slot(self, args[1], value, 0);
    if (s < 0) {
        Py_RETURN_NONE;
    }
    self->busy = 1;
    ItemWalk lists;
    PyObject *out = NULL;
    if (items_begin(&lists, args[0]) == 0) {
        PyObject *keys;
        int failed = 0;
        while (!failed && (keys = items_next(&lists)) != NULL) {
            failed = unfile_all(self, keys, (uint32_t)s) < 0;
            Py_DECREF(keys);
        }
        items_end(&lists);
        out = failed || PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    }
    if (self->slots[s].filed == 0) {
        release_slot(self, (uint32_t)s); /* out from under every key */
    }
    self->busy = 0;
    return out;
}

/* Whether story slot ``a`` ranks above ``b``: the higher score, of equal scores the
 * higher id (the scores are never NaN). */
static inline int ranks_above(const KeyIndexObject *self, uint32_t a, uint32_t b) {
    double x = self->scores[a].score, y = self->scores[b].score;
    return x > y || (x == y && self->slots[a].sid > self->slots[b].sid);
}

typedef struct {
    double score;
    long long sid;
    uint32_t slot;
} RankedStory;

static int ranked_story_order(const void *x, const void *y) {
    const RankedStory *a = x, *b = y;
    if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    return a->sid > b->sid ? -1 : a->sid < b->sid;
}

/* The ``count`` best of the ``scored`` stories retrieved (the index's touched slots) into
 * ``order``, best first; 0, or -1 with an exception set. */
#define FEW_RANKED 16
static int rank_retrieved(const KeyIndexObject *self, Py_ssize_t scored, Py_ssize_t count, uint32_t *order) {
    if (count <= FEW_RANKED) {
        Py_ssize_t filled = 0;
        double least_kept = 0.0; /* the last kept one's score, once count are kept */
        for (Py_ssize_t k = 0; k < scored && count > 0; k++) {
            uint32_t s = self->touched[k];
            Py_ssize_t at;
            if (filled < count) {
                at = filled++;
            } else if (self->scores[s].score >= least_kept && ranks_above(self, s, order[count - 1])) {
                at = count - 1;
            } else {
                continue;
            }
            while (at > 0 && ranks_above(self, s, order[at - 1])) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = s;
            least_kept = self->scores[order[filled - 1]].score;
        }
        return 0;
    }
    RankedStory *ranked = PyMem_Malloc((size_t)scored * sizeof(RankedStory));
    if (ranked == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < scored; k++) {
        uint32_t s = self->touched[k];
        ranked[k] = (RankedStory){self->scores[s].score, self->slots[s].sid, s};
    }
    qsort(ranked, (size_t)scored, sizeof(RankedStory), ranked_story_order);
    for (Py_ssize_t k = 0; k < count; k++) {
        order[k] = ranked[k].slot;
    }
    PyMem_Free(ranked);
    return 0;
}

PyDoc_STRVAR(KeyIndex_top_doc,
"top(keys, idf, most, limit) -> list\n\n"
"The ``limit`` stories (ids) with the highest summed idf[key] over the ``keys`` they are\n"
"filed under (keys held by more than ``most`` stories are skipped), best first; of equal\n"
"sums the higher id first. An IDF weight must be a number >= 0 (ValueError).");

static PyObject *KeyIndex_top(KeyIndexObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top takes keys, idf, most and limit");
        return NULL;
    }
    PyObject *idf = args[1];
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top: idf must be a dict");
        return NULL;
    }
    Py_ssize_t most = PyLong_AsSsize_t(args[2]);
    Py_ssize_t limit = most == -1 && PyErr_Occurred() ? -1 : PyLong_AsSsize_t(args[3]);
    if (limit == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "KeyIndex.top: limit must not be negative");
        return NULL;
    }
    if (index_free(self) < 0) {
        return NULL;
    }
    self->busy = 1;
    if (++self->stamp == 0) { /* wrapped: no slot may look scored by this retrieval */
        for (uint32_t s = 0; s < self->slot_count; s++) {
            self->scores[s].seen = 0;
        }
        self->stamp = 1;
    }
    const uint32_t stamp = self->stamp;
    SlotScore *scores = self->scores;
    Py_ssize_t scored = 0;
    PyObject *out = NULL, *key;
    uint32_t few[FEW_RANKED], *order = few;
    ItemWalk keys;
    if (items_begin(&keys, args[0]) < 0) {
        goto done;
    }
    while ((key = items_next(&keys)) != NULL) {
        Py_hash_t hash = key_hash(key);
        const KeyHolders *e = hash == -1 ? NULL : &self->table[key_place(self, key, hash)];
        if (e == NULL || e->key == NULL || (Py_ssize_t)e->n > most) {
            Py_DECREF(key);
            if (e == NULL) {
                break;
            }
            continue;
        }
        /* Python code an IDF's __missing__ runs cannot change the index (busy): e stays */
        double weight = idf_of(idf, key);
        Py_DECREF(key);
        if (FAILED(weight)) {
            break;
        }
        if (!(weight >= 0)) {
            PyErr_SetString(PyExc_ValueError, "KeyIndex.top: IDF weights must be numbers >= 0");
            break;
        }
        /* read once: the stores below might alias them, as the compiler sees it */
        const uint32_t *holders = e->holders, n = e->n;
        uint32_t *touched = self->touched;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t s = holders[k];
            if (scores[s].seen != stamp) {
                scores[s].seen = stamp;
                scores[s].score = 0.0 + weight;
                touched[scored++] = s;
            } else {
                scores[s].score += weight;
            }
        }
    }
    items_end(&keys);
    if (PyErr_Occurred()) {
        goto done;
    }
    Py_ssize_t count = scored < limit ? scored : limit;
    if (count > FEW_RANKED && (order = PyMem_Malloc((size_t)count * sizeof(uint32_t))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (rank_retrieved(self, scored, count, order) < 0 || (out = PyList_New(count)) == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyList_SET_ITEM(out, k, Py_NewRef(self->slots[order[k]].sid_obj));
    }
done:
    if (order != few) {
        PyMem_Free(order);
    }
    self->busy = 0;
    return out;
}
#undef FEW_RANKED

PyDoc_STRVAR(KeyIndex_holders_doc,
"holders() -> dict\n\n"
"Each key with the set of the stories filed under it (a copy).");

static PyObject *KeyIndex_holders(KeyIndexObject *self, PyObject *unused) {
    if (index_free(self) < 0) {
        return NULL;
    }
    self->busy = 1; /* the sets made may run the garbage collector, and finalizers with it */
    PyObject *out = PyDict_New();
    for (size_t k = 0; out != NULL && k <= self->mask; k++) {
        const KeyHolders *e = &self->table[k];
        if (e->key == NULL) {
            continue;
        }
        PyObject *sids = PySet_New(NULL);
        int failed = sids == NULL;
        for (uint32_t i = 0; !failed && i < e->n; i++) {
            failed = PySet_Add(sids, self->slots[e->holders[i]].sid_obj) < 0;
        }
        if (failed || PyDict_SetItem(out, e->key, sids) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(sids);
    }
    self->busy = 0;
    return out;
}

static PyMethodDef KeyIndex_methods[] = {
    {"file", (PyCFunction)(void (*)(void))KeyIndex_file, METH_FASTCALL, KeyIndex_file_doc},
    {"unfile", (PyCFunction)(void (*)(void))KeyIndex_unfile, METH_FASTCALL, KeyIndex_unfile_doc},
    {"top", (PyCFunction)(void (*)(void))KeyIndex_top, METH_FASTCALL, KeyIndex_top_doc},
    {"holders", (PyCFunction)KeyIndex_holders, METH_NOARGS, KeyIndex_holders_doc},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods KeyIndex_as_sequence = {
    .sq_length = (lenfunc)KeyIndex_len,
};

/* Not tracked by the garbage collector: it holds strs and ints alone, which make no cycles. */
static PyTypeObject KeyIndexType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "storyline._speedups.KeyIndex",
    .tp_doc = PyDoc_STR("KeyIndex()\n\nThe clusterer's inverted index: each key (a str) -> the stories (int\n"
                        "ids) filed under it (reference: storyline.cluster._sparse.KeyIndex)."),
    .tp_basicsize = sizeof(KeyIndexObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = KeyIndex_new,
    .tp_dealloc = (destructor)KeyIndex_dealloc,
    .tp_methods = KeyIndex_methods,
    .tp_as_sequence = &KeyIndex_as_sequence,
};

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

/* The new references a call holds, released together at its end. Hot paths declare one
 * as ``Held h; h.n = 0;``: an initializer would zero all of its slots each call. */
typedef struct {
    PyObject *items[64]; /* pair_features holds 46 at most */
    int n;
} Held;

static inline PyObject *hold(Held *h, PyObject *obj) {
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

/* slot_offsets for a class not learnt, or changed since. */
static const Py_ssize_t *learn_slot_offsets(PyTypeObject *type) {
    if (type->tp_getattro != PyObject_GenericGetAttr) {
        return NULL; /* a class with its own __getattribute__ or __getattr__ */
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

/* The offsets of a class learnt and unchanged since, inline: the kernel reads some
 * thirty slots per article this way. */
static inline const Py_ssize_t *slot_offsets(PyTypeObject *type) {
    for (int i = 0; i < 4; i++) {
        if (slot_maps[i].type == type) {
            if (slot_maps[i].version == type->tp_version_tag && type->tp_getattro == PyObject_GenericGetAttr
                    && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
                return slot_maps[i].offset;
            }
            break;
        }
    }
    return learn_slot_offsets(type);
}

/* getattr(obj, name), held. */
static inline PyObject *held_attr(Held *h, PyObject *obj, int name) {
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

/* Whether a corpus of ``count`` documents has grown past ``growth`` * ``cached`` + ``slack``,
 * as Python compares them; 1, 0 or -1 with an exception set. Exact ints below 2**53 (all
 * real counts) convert to doubles exactly. */
static inline int grown_past(PyObject *count, PyObject *cached, double growth, long slack) {
    if (PyLong_CheckExact(count) && PyLong_CheckExact(cached)) {
        int overflow_count, overflow_cached;
        long long m = PyLong_AsLongLongAndOverflow(count, &overflow_count);
        long long n = PyLong_AsLongLongAndOverflow(cached, &overflow_cached);
        const long long exact = 1LL << 53;
        if (!overflow_count && !overflow_cached && m > -exact && m < exact && n > -exact && n < exact) {
            return (double)m > growth * (double)n + (double)slack;
        }
        if (PyErr_Occurred()) {
            return -1;
        }
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
    int grown = PyTuple_GET_ITEM(top, 0) == size ? 0 : PyObject_RichCompareBool(PyTuple_GET_ITEM(top, 0), size, Py_NE);
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
    /* frozenset(names), filled in their order as from a tuple of them */
    PyObject *found = hold(&h, PyFrozenSet_New(NULL));
    for (Py_ssize_t j = 0; found != NULL && j < kept; j++) {
        if (PySet_Add(found, names[j]) < 0) {
            found = NULL;
        }
    }
    PyObject *cache = found == NULL ? NULL : hold(&h, PyTuple_Pack(2, size, found));
    if (cache != NULL && slot_put(story, kernel_str[K_TOP], cache) == 0) {
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
        return float_of(cached);
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
    Held h;
    h.n = 0;
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

/* An article's side as decide makes it (refinement's Side, defined with its pairs below),
 * and the cosine of its vector named ``name`` (K_TITLE, K_BODY, K_ALL, K_ENTITIES, K_YEARS
 * or a kind) with a story's bag, as cosine_of computes it: 1, or with ``named_only`` 0
 * (no cosine) where either is empty, -1 with an exception set. */
typedef struct Side Side;
static int side_cosine_of(const Side *side, int name, PyObject *bag, PyObject *norms, PyObject *idf, int named_only,
                          double *out);

/* The text_cosine of an article's title + body vector ``vec`` (of norm ``vec_norm``), or
 * of its ``side``'s where that is not NULL, with each of ``n`` stories (ids into the dict
 * ``stories``), in their order (the norms they cache, the IDF weights they compute), as
 * rank_stories' reference makes its dict of them; -1 with an exception set. Where ``kept``
 * is not NULL, kept[2 * i] and kept[2 * i + 1] get new references to story i and its fresh
 * norms (NULL past a failure; the caller drops them), so that the join decision reads them
 * again without the lookups (their norms stay fresh: the corpus does not grow meanwhile). */
static int text_cosines(PyObject *vec, PyObject *vec_norm, const Side *side, PyObject *const *sids, Py_ssize_t n,
                        PyObject *stories, PyObject *df, PyObject *idf, double *cosines, PyObject **kept) {
    Held h;
    h.n = 0;
    PyObject *count = held_attr(&h, df, K_N); /* the corpus does not grow meanwhile */
    for (Py_ssize_t i = 0; count != NULL && i < n; i++) {
        PyObject *story = PyDict_GetItemWithError(stories, sids[i]);
        if (story == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, sids[i]);
            }
            release(&h);
            return -1;
        }
        Held each;
        each.n = 0;
        Py_INCREF(story);
        hold(&each, story);
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
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "rank_stories: the IDF weights must be a dict");
        goto done;
    }
    if (text_cosines(vec, vec_norm, NULL, sids, n, stories, df, idf, cosines, NULL) < 0) {
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
    if (PyTuple_CheckExact(items) && (PyAnySet_CheckExact(container) || PyDict_CheckExact(container))) {
        /* the tuple (held by the caller) keeps its items; the containers' own tests */
        int is_set = PyAnySet_CheckExact(container);
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
            PyObject *item = PyTuple_GET_ITEM(items, i);
            int found = is_set ? PySet_Contains(container, item) : PyDict_Contains(container, item);
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
    if (PyTuple_CheckExact(obj)) {
        return PyTuple_GET_SIZE(obj) != 0;
    }
    if (PyAnySet_CheckExact(obj)) {
        return PySet_GET_SIZE(obj) != 0;
    }
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
static int number_overlap(PyObject *own, PyObject *other, double *out) {
    int numbered = both_true(own, other);
    if (numbered <= 0) {
        return numbered;
    }
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

/* mismatch_of f.<name>. */
static int mismatch(Held *h, PyObject *f, PyObject *story, int name, double *out) {
    return mismatch_of(h, held_attr(h, f, name), story, name, out);
}

/* f.<name> of the article pair_values reads: from ``own`` (its fields read once per call,
 * indexed by kernel name) where that is not NULL, else read here (held). */
static PyObject *own_field(Held *h, PyObject *f, PyObject *const *own, int name) {
    return own != NULL ? own[name] : held_attr(h, f, name);
}

/* An exact float, or an exact int below 2**53 in size (a double exactly, as Python's
 * arithmetic with floats converts it), as a double: 1, or 0 (nothing set) for anything else. */
static int exact_double(PyObject *obj, double *out) {
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
        return 1;
    }
    if (!PyLong_CheckExact(obj)) {
        return 0;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    const long long exact = 1LL << 53;
    if (overflow || v <= -exact || v >= exact) {
        return 0; /* no error: PyLong_AsLongLongAndOverflow sets none for an exact int */
    }
    *out = (double)v;
    return 1;
}

/* StoryFeatures.day (day_sum / day_n) in doubles where day_n is an int other than 0 and
 * both are exact_double: int / int and float / int then divide the two doubles, which
 * Python does too (its int division is correctly rounded, as is the doubles'); 1, or 0
 * (nothing set) where Python's division must compute it. */
static int story_day_double(PyObject *day_sum, PyObject *day_n, double *out) {
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
    PyObject *own_body = own_field(&h, f, own, K_BODY);
    PyObject *story_body = own_body == NULL ? NULL : held_attr(&h, story, K_BODY);
    int bodies = story_body == NULL ? -1 : both_true(own_body, story_body);
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
        double floor = PyFloat_AsDouble(floor_obj);
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
    /* the per-kind cosines, where both sides name someone of the kind */
    PyObject *own_kinds = side != NULL ? Py_None : held_attr(&h, vectors, K_KINDS);
    PyObject *story_kinds = own_kinds == NULL ? NULL : held_attr(&h, story, K_KINDS);
    if (story_kinds == NULL) {
        goto fail;
    }
    if ((side == NULL && !PyDict_Check(own_kinds)) || !PyDict_Check(story_kinds)) {
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
        PyObject *bag = vec_norm == NULL && side == NULL ? NULL : PyDict_GetItemWithError(story_kinds, kind);
        if (bag == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, kind);
            }
            goto fail;
        }
        Py_INCREF(bag);
        hold(&h, bag);
        int named = side != NULL ? side_cosine_of(side, K_PEOPLE + k, bag, norms, idf, 1, &x[4 + k])
                                 : both_true(vec, bag);
        if (named < 0 || (side == NULL && named && cosine_of(vec, vec_norm, bag, norms, kind, idf, &x[4 + k]) < 0)) {
            goto fail;
        }
    }
    /* number_overlap */
    PyObject *own_numbers = own_field(&h, f, own, K_NUMBERS);
    PyObject *story_numbers = own_numbers == NULL ? NULL : held_attr(&h, story, K_NUMBERS);
    if (story_numbers == NULL || number_overlap(own_numbers, story_numbers, &x[7]) < 0) {
        goto fail;
    }
    /* main_entity_match and main_entity_mismatch */
    PyObject *own_main = own_field(&h, f, own, K_MAIN);
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
    PyObject *own_day = own_field(&h, f, own, K_DAY);
    PyObject *day_n = own_day == NULL ? NULL : held_attr(&h, story, K_DAY_N);
    int story_dated = day_n == NULL ? -1 : PyObject_IsTrue(day_n);
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
    PyObject *year_bag = own_years == NULL ? NULL : held_attr(&h, story, K_YEAR_BAG);
    int yeared = year_bag == NULL ? -1 : both_true(own_years, year_bag);
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
    if (!PyDict_Check(args[2]) || !PyDict_Check(args[3])) {
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
    if (!PyDict_Check(args[2]) || !PyDict_Check(args[4])) {
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
    /* whether the story's title + body bag is its title bag item for item (same_bag): a
     * story of headlines alone, where a cosine with the one is the cosine with the other */
    int title_is_all;
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

/* Whether two bags are exact dicts of the same items in the same order: the same key
 * objects, and float values that are equal (so every product read of the one is the
 * product read of the other). No Python code runs. */
static int same_bag(PyObject *a, PyObject *b) {
    if (!PyDict_CheckExact(a) || !PyDict_CheckExact(b) || PyDict_GET_SIZE(a) != PyDict_GET_SIZE(b)) {
        return 0;
    }
    Py_ssize_t pos_a = 0, pos_b = 0;
    PyObject *key_a, *value_a, *key_b, *value_b;
    while (PyDict_Next(a, &pos_a, &key_a, &value_a)) {
        if (!PyDict_Next(b, &pos_b, &key_b, &value_b) || key_a != key_b || !PyFloat_CheckExact(value_a)
                || !PyFloat_CheckExact(value_b) || PyFloat_AS_DOUBLE(value_a) != PyFloat_AS_DOUBLE(value_b)) {
            return 0;
        }
    }
    return 1;
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
    /* (read last, as the reference reads it) */
    PyObject *all_bag = held_attr(h, story, K_ALL);
    if (all_bag == NULL) {
        return -1;
    }
    out->title_is_all = same_bag(title_bag, all_bag);
    return 0;
}

/* The dot products of two bags both ways in one walk of ``walked`` (its terms of kind
 * ``kind`` only where it is not -1): of the walked one's vector with the other bag
 * (``*own_total``: v * weight * w * weight, v the walked dict's value, w the other's, the
 * vector's being the bag's weight times the IDF) and of the other's vector with the walked
 * bag (``*other_total``: v * (w * weight) * weight), each summed in walk order as
 * shared_dot sums it; ``*any``: whether the two share a term. -1 with an exception set. */
static int paired_dots(PyObject *walked, PyObject *looked_up, int kind, PyObject *idf, double *own_total,
                       double *other_total, int *any) {
    Sum own = {0.0, 0.0}, other = {0.0, 0.0};
    *any = 0;
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
            double w = float_of(found), v, weight;
            if (FAILED(w) || weight_and_idf(idf, term, value, &v, &weight) < 0) {
                status = -1;
            } else {
                sum_add(&own, v * weight * w * weight);
                sum_add(&other, v * (w * weight) * weight);
                *any = 1;
            }
        }
        Py_DECREF(term);
        Py_DECREF(value);
        if (status < 0 || walk_changed(walked, size) < 0) {
            return -1;
        }
    }
    *own_total = sum_result(&own);
    *other_total = sum_result(&other);
    return 0;
}

/* The dot product that weighted_cosine divides (``*total``; ``*any``: whether the two
 * share a term), of the article vector that weights ``bag`` (``terms`` of them, only those
 * of kind ``kind`` where it is not -1) and the story bag ``other``: the smaller of the two
 * walked as shared_dot walks it. -1 with an exception set. */
static int weighted_dot_of(PyObject *bag, int kind, Py_ssize_t terms, PyObject *other, PyObject *idf, double *total,
                           int *any) {
    /* walk the vector where it is no larger than the story bag (story_cosine) */
    int own_walk = terms <= PyDict_GET_SIZE(other);
    double own, from_other;
    if (paired_dots(own_walk ? bag : other, own_walk ? other : bag, kind, idf, &own, &from_other, any) < 0) {
        return -1;
    }
    *total = own_walk ? own : from_other;
    return 0;
}

/* The cosine of weighted_dot_of's dot product, the vector's norm ``norm`` and the story
 * bag's ``other_norm``, as story_cosine divides. */
static double cosine_from(double total, int any, double norm, double other_norm) {
    return any && total != 0.0 ? total / (norm * other_norm) : 0.0;
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
    double total;
    int any;
    if (FAILED(other_norm) || weighted_dot_of(bag, kind, terms, other, idf, &total, &any) < 0) {
        return -1;
    }
    *out = cosine_from(total, any, norm, other_norm);
    return 0;
}

/* A cross cosine of story_text_values: of the title vector ``title`` (``terms`` terms, of
 * norm ``title_norm``) and the other story's title + body bag ``all`` (of norm
 * ``all_norm``), which is the title cosine's dot product (``dot``, ``any``) again where the
 * other's title + body bag is its title bag (``title_is_all``); -1 with an exception set. */
static int cross_cosine(int title_is_all, double dot, int any, PyObject *title, Py_ssize_t terms, double title_norm,
                        PyObject *all, double all_norm, PyObject *idf, double *out) {
    if (!title_is_all && weighted_dot_of(title, -1, terms, all, idf, &dot, &any) < 0) {
        return -1;
    }
    *out = cosine_from(dot, any, title_norm, all_norm);
    return 0;
}

/* What the text values of an article read of another story take of story ``b``: its title
 * and title + body bags (held in ``h``) and their norms, cached in its fresh ``norms`` in
 * the order the two cosines cache them; -1 with an exception set. */
typedef struct {
    PyObject *title, *all;
    double title_norm, all_norm;
} TextSide;

static int text_side(Held *h, PyObject *b, PyObject *norms, PyObject *idf, TextSide *out) {
    out->title = held_attr(h, b, K_TITLE);
    out->all = out->title == NULL ? NULL : held_attr(h, b, K_ALL);
    if (out->all == NULL) {
        return -1;
    }
    if (!PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a story's norm cache must be a dict");
        return -1;
    }
    if (!PyDict_Check(out->title) || !PyDict_Check(out->all)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict");
        return -1;
    }
    out->title_norm = cached_norm(norms, kernel_str[K_TITLE], out->title, idf);
    out->all_norm = FAILED(out->title_norm) ? -1.0 : cached_norm(norms, kernel_str[K_ALL], out->all, idf);
    return FAILED(out->all_norm) ? -1 : 0;
}

/* title_cos and cross_cos (x[0], x[2]) of story ``a`` read as an article (the norms
 * ``own_a``; its title + body vector is its title vector) and story ``b``, and the same
 * of b read as an article and a (y[0], y[2]): each story's norms cached first (fresh: b's,
 * then a's, as the two are read one after the other). The two title cosines walk the
 * smaller title where the titles differ in size: one walk gives both dot products. A cross
 * cosine is its title cosine's dot product where the other story's title + body bag is its
 * title bag item for item (ArticleNorms.title_is_all). -1 with an exception set. */
static int story_text_values(Held *h, PyObject *a, const ArticleNorms *own_a, PyObject *b,
                             const ArticleNorms *own_b, PyObject *df, PyObject *idf, PyObject **norms_a,
                             PyObject **norms_b, double *x, double *y) {
    TextSide side_a, side_b;
    *norms_b = hold(h, story_norms(b, df));
    if (*norms_b == NULL || text_side(h, b, *norms_b, idf, &side_b) < 0) {
        return -1;
    }
    *norms_a = hold(h, story_norms(a, df));
    if (*norms_a == NULL || text_side(h, a, *norms_a, idf, &side_a) < 0) {
        return -1;
    }
    Py_ssize_t terms_a = PyDict_GET_SIZE(side_a.title), terms_b = PyDict_GET_SIZE(side_b.title);
    double dot_x, dot_y;
    int any_x, any_y;
    if (terms_a != terms_b) {
        /* each cosine walks the smaller title (story_cosine): the smaller's own vector is
         * read against the larger bag, and the larger's vector against the smaller bag */
        int a_walked = terms_a < terms_b;
        double own_total, other_total;
        if (paired_dots(a_walked ? side_a.title : side_b.title, a_walked ? side_b.title : side_a.title, -1, idf,
                        &own_total, &other_total, &any_x) < 0) {
            return -1;
        }
        any_y = any_x;
        dot_x = a_walked ? own_total : other_total;
        dot_y = a_walked ? other_total : own_total;
    } else if (weighted_dot_of(side_a.title, -1, terms_a, side_b.title, idf, &dot_x, &any_x) < 0
               || weighted_dot_of(side_b.title, -1, terms_b, side_a.title, idf, &dot_y, &any_y) < 0) {
        return -1;
    }
    x[0] = cosine_from(dot_x, any_x, own_a->title, side_b.title_norm);
    y[0] = cosine_from(dot_y, any_y, own_b->title, side_a.title_norm);
    /* the cross cosines, where they are not the title cosines' dot products again */
    if (cross_cosine(own_b->title_is_all, dot_x, any_x, side_a.title, terms_a, own_a->title, side_b.all,
                     side_b.all_norm, idf, &x[2]) < 0
            || cross_cosine(own_a->title_is_all, dot_y, any_y, side_b.title, terms_b, own_b->title, side_a.all,
                            side_a.all_norm, idf, &y[2]) < 0) {
        return -1;
    }
    return 0;
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
    Held h;
    h.n = 0;
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
    Held h;
    h.n = 0;
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
    if (other_numbers == NULL || number_overlap(own_numbers, other_numbers, &x[7]) < 0) {
        goto fail;
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
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 10) {
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
    out->title_is_all = PyTuple_GET_ITEM(tuple, 9) == Py_True;
    return 0;
}

PyDoc_STRVAR(article_norms_doc,
"article_norms(story, df) -> tuple\n\n"
"The norms of a StoryFeatures' vectors read as an article: title, entities, years, each\n"
"entity kind's, each kind's terms, and whether its title + body bag is its title bag item\n"
"for item (storyline.cluster.refine).");

static PyObject *article_norms_of(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "article_norms takes 2 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
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
        out = Py_BuildValue("(ddddddnnnO)", norms.title, norms.entities, norms.years, norms.kind[0], norms.kind[1],
                            norms.kind[2], norms.kind_terms[0], norms.kind_terms[1], norms.kind_terms[2],
                            norms.title_is_all ? Py_True : Py_False);
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
    Held h;
    h.n = 0;
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
    PyObject *norms_a, *norms_b;
    if (story_text_values(&h, a, &own_a, b, &own_b, df, idf, &norms_a, &norms_b, x, y) < 0) {
        goto done;
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
    double own, day, limit;
    if (day_sum != NULL && exact_double(own_day, &own) && exact_double(window, &limit)
            && story_day_double(day_sum, day_n, &day)) {
        return fabs(own - day) > limit; /* a float and a float or an exact int compare so */
    }
    PyObject *story_day = !dated ? Py_NewRef(Py_None) : day_sum == NULL ? NULL : PyNumber_TrueDivide(day_sum, day_n);
    PyObject *gap = story_day == NULL ? NULL : hold(h, PyNumber_Subtract(own_day, hold(h, story_day)));
    PyObject *apart = gap == NULL ? NULL : hold(h, PyNumber_Absolute(gap));
    return apart == NULL ? -1 : PyObject_RichCompareBool(apart, window, Py_GT);
}

/* What best_story reads every ranked story with: the article as pair_values reads it (its
 * ArticleVectors, or its ArticleFeatures and side) and the rest. */
typedef struct {
    PyObject *article;
    const Side *side;
    PyObject *const *own; /* NULL, or the article's fields as pair_values reads them */
    PyObject *own_day, *stories, *df, *idf, *floor_obj, *window, *weights;
    double **w; /* the weights as doubles, read at the first story the model reads */
    Py_ssize_t *m;
    double bias, threshold;
} Judge;

/* best_story's reading of the story ``sid`` (its text cosine ``cross``, or None; or
 * *known_cross where that is not NULL): 1 with the model's margin over the threshold in
 * *margin, 0 where the story is out of the window or its words miss the floor, -1 with an
 * exception set. ``kept`` is NULL, or the story and its fresh norms as text_cosines kept them. */
static int join_margin(const Judge *j, PyObject *sid, PyObject *cross, const double *known_cross,
                       PyObject *const *kept, double *margin) {
    Held each;
    each.n = 0;
    hold(&each, Py_NewRef(sid));
    hold(&each, Py_NewRef(cross));
    PyObject *story = kept != NULL ? kept[0] : PyDict_GetItemWithError(j->stories, sid);
    if (story == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, sid);
        }
        release(&each);
        return -1;
    }
    hold(&each, Py_NewRef(story));
    int apart = j->own_day == Py_None ? 0 : out_of_window(&each, j->own_day, story, j->window);
    PyObject *norms = apart != 0 ? NULL
                      : kept != NULL ? hold(&each, Py_NewRef(kept[1])) : hold(&each, story_norms(story, j->df));
    double x[PAIR_FEATURES], p = 0.0;
    int found = -1;
    if (norms != NULL) {
        if (!PyDict_Check(norms)) {
            PyErr_SetString(PyExc_TypeError, "best_story: a story's norms must be a dict");
        } else {
            found = pair_values(j->article, j->side, j->own, story, j->idf, norms, cross, known_cross, j->floor_obj, x);
        }
    }
    if (found > 0 && *j->w == NULL) {
        *j->w = doubles_of(j->weights, j->m);
        if (*j->w == NULL) {
            found = -1;
        }
    }
    if (found > 0) {
        /* online.probability: a linear model, or one over the features' products */
        Py_ssize_t m = *j->m;
        if (m == PAIR_FEATURES) {
            p = linear_of(x, PAIR_FEATURES, *j->w, m, j->bias);
        } else if (m != PAIR_FEATURES + PAIR_FEATURES * (PAIR_FEATURES - 1) / 2) {
            PyErr_Format(PyExc_ValueError, "%zd weights fit neither %d features nor their products", m,
                         PAIR_FEATURES);
            found = -1;
        } else if (interaction_of(x, PAIR_FEATURES, *j->w, m, j->bias, &p) < 0) {
            found = -1;
        }
    }
    release(&each);
    if (apart < 0 || (apart == 0 && found < 0)) {
        return -1;
    }
    *margin = p - j->threshold;
    return apart ? 0 : found;
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
    Held h;
    h.n = 0;
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
        Judge judge = {vectors, NULL, NULL, own_day, stories, df, idf, floor_obj, window, weights, &w, &m, bias, threshold};
        double margin;
        Py_INCREF(sid); /* held while Python code may run (and change ``ranked``) */
        int read = join_margin(&judge, sid, cross, NULL, NULL, &margin);
        if (read > 0 && margin >= best_margin) {
            best_margin = margin;
            Py_XSETREF(best, Py_NewRef(sid));
        }
        Py_DECREF(sid);
        if (read < 0) {
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

/* Eight bytes at ``p`` as one word (any alignment; the tests below read bytes alike in
 * either byte order). */
static inline uint64_t load8(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

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

/* Whether a[:n] == b[:n]: a loop for words (a call to memcmp costs more than they take),
 * memcmp past that. */
static inline int same_bytes(const unsigned char *a, const unsigned char *b, Py_ssize_t n) {
    if (n > 16) {
        return memcmp(a, b, (size_t)n) == 0;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (a[k] != b[k]) {
            return 0;
        }
    }
    return 1;
}

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
 * one (a stem seen before keeps its count): 0, or -1 with MemoryError set. */
static int stem_counts_add(StemCounts *c, Py_ssize_t start, Py_ssize_t len, uint64_t h, int again) {
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
    PyObject *out = PyDict_New();
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

/* Counts the stem (first ``stem_chars`` bytes) of the lower-case ASCII word at
 * bytes[start:start + n] unless the word is a stop word: terms' step (``again``: see
 * stem_counts_add). 0, or -1 with an exception set. */
static int count_term(StemCounts *counts, PyObject *stop, const ByteSet *stop_bytes, Py_ssize_t start,
                      Py_ssize_t n, Py_ssize_t stem_chars, int again) {
    const unsigned char *w = counts->bytes + start;
    Py_ssize_t stem = n < stem_chars ? n : stem_chars;
    uint64_t word_hash, stem_hash = stem_hashes(w, n, stem, &word_hash);
    int is_stop = is_stop_hashed(stop, stop_bytes, w, n, word_hash);
    return is_stop < 0 ? -1 : is_stop ? 0 : stem_counts_add(counts, start, stem, stem_hash, again);
}

/* fnv1a's constants, for the loops that hash a word as they read it */
#define FNV_OFFSET 14695981039346656037u
#define FNV_PRIME 1099511628211u

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
        /* each word lower-cased and hashed (fnv1a) as it is read: its stem's hash, then its own */
        Py_ssize_t start = i, stem_end = n - start > stem_chars ? start + stem_chars : n;
        uint64_t h = FNV_OFFSET;
        for (; i < stem_end && ascii_letter(s[i]); i++) {
            low[i] = s[i] | 32;
            h = (h ^ low[i]) * FNV_PRIME;
        }
        uint64_t stem_hash = h;
        for (; i < n && ascii_letter(s[i]); i++) {
            low[i] = s[i] | 32;
            h = (h ^ low[i]) * FNV_PRIME;
        }
        Py_ssize_t len = i - start;
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
        StemCounts counts;
        unsigned char *buffer;
        int found = wide_stem_counts(text, stop, stem_chars, &counts, &buffer);
        PyObject *out = found == 1 ? stem_counts_dict(&counts) : found == 0 ? Py_NewRef(Py_None)
                        : found == 2 ? wide_terms(text, stop, stem_chars) : NULL;
        stem_counts_free(&counts);
        PyMem_Free(buffer);
        return out;
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

/* Counts terms(slug_words(url, min_words), stop) (storyline.cluster.features) into
 * ``counts`` (``again``: see stem_counts_add), for a URL (a str or None) of printable ASCII
 * (backslashes dropped) whose host has no brackets: the counter's bytes from ``offset`` on
 * (room for the URL's length) take the URL. 1, 0 for other URLs (nothing counted), or -1
 * with an exception set. */
static int count_slug_terms(PyObject *url, StemCounts *counts, Py_ssize_t offset, PyObject *stop,
                            const ByteSet *stop_bytes, Py_ssize_t stem_chars, Py_ssize_t min_words, int again) {
    if (url != Py_None && !PyUnicode_IS_ASCII(url)) {
        return 0;
    }
    Py_ssize_t n = url == Py_None ? 0 : PyUnicode_GET_LENGTH(url);
    const unsigned char *s = url == Py_None ? NULL : PyUnicode_1BYTE_DATA(url);
    /* the URL without backslashes and lower-cased (lower-casing leaves urlsplit's
     * delimiters as they are, and slug_words lower-cases the path it gives) */
    unsigned char *u = (unsigned char *)counts->bytes + offset;
    Py_ssize_t m = 0, i = 0;
    /* eight bytes at a time while they hold no backslash and no byte urlsplit changes */
    for (uint64_t v; i + 8 <= n && bytes_in(v = load8(s + i), '!', '~') == BYTES_HIGHS
                     && bytes_in(v, '\\', '\\') == 0; i += 8, m += 8) {
        v = lower8(v);
        memcpy(u + m, &v, sizeof v);
    }
    for (; i < n; i++) {
        if (s[i] == '\\') {
            continue;
        }
        if (!plain_url_byte(s[i])) {
            return 0;
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
                return 0;
            }
        }
    }
    const unsigned char *query = at < m ? memchr(u + at, '?', (size_t)(m - at)) : NULL;
    const unsigned char *fragment = at < m ? memchr(u + at, '#', (size_t)(query != NULL ? query - u - at : m - at)) : NULL;
    Py_ssize_t end = fragment != NULL ? fragment - u : query != NULL ? query - u : m;
    /* a word and the character after it take three: at most (m + 1) / 3 words in a segment;
     * each word's start and length */
    Py_ssize_t most = (m + 1) / 3 + 1, stack[2 * 128];
    Py_ssize_t *starts = most <= 128 ? stack : PyMem_Malloc(2 * (size_t)most * sizeof(Py_ssize_t));
    if (starts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t *lengths = starts + most;
    int status = 1;
    for (Py_ssize_t seg = at; status > 0 && seg <= end;) {
        const unsigned char *slash = seg < end ? memchr(u + seg, '/', (size_t)(end - seg)) : NULL;
        Py_ssize_t seg_end = slash != NULL ? slash - u : end;
        Py_ssize_t found = slug_parts(u + seg, seg_end - seg, starts, lengths);
        for (Py_ssize_t k = 0; found >= min_words && k < found; k++) {
            if (count_term(counts, stop, stop_bytes, offset + seg + starts[k], lengths[k], stem_chars, again) < 0) {
                status = -1;
                break;
            }
        }
        seg = seg_end + 1;
    }
    if (starts != stack) {
        PyMem_Free(starts);
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
        for (i = 0; i + 8 <= n; i += 8) {
            uint64_t v = lower8(load8(low + i));
            memcpy(low + i, &v, sizeof v);
        }
        for (; i < n; i++) {
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

/* Appends the years of ``text`` (a str) that years_in gives to ``years``: 0, or -1 with
 * an exception set. */
static int append_years(PyObject *years, PyObject *text) {
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

/* bag[f"y:{year}"] = 1.0 for an int year (str() writes it as %ld does): 0, or -1 with an
 * exception set. */
static int year_into(PyObject *bag, PyObject *year) {
    long value = PyLong_AsLong(year);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
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
    /* "y:YYYY" in the order of a set of the years made in this order, as the reference's
     * (most articles have one year, mentioned or not: a set of it is that year alone) */
    Py_ssize_t count = PyList_GET_SIZE(years);
    int one = 1;
    for (Py_ssize_t k = 1; one && k < count; k++) {
        one = PyObject_RichCompareBool(PyList_GET_ITEM(years, k), PyList_GET_ITEM(years, 0), Py_EQ);
        if (one < 0) {
            goto done;
        }
    }
    if (one) {
        bag = PyDict_New();
        if (bag == NULL || (count > 0 && year_into(bag, PyList_GET_ITEM(years, 0)) < 0)) {
            goto done;
        }
        goto made;
    }
    seen = PySet_New(years);
    bag = PyDict_New();
    if (seen == NULL || bag == NULL) {
        goto done;
    }
    iter = PyObject_GetIter(seen);
    while (iter != NULL && (item = PyIter_Next(iter)) != NULL) {
        int status = year_into(bag, item);
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
    Py_XDECREF(years);
    Py_XDECREF(known);
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
    for (Py_ssize_t k = 0; k < c->used; k++) {
        PyObject *other = c->items[k].key;
        if (other == key || (PyUnicode_GET_LENGTH(other) == n && PyUnicode_Compare(other, key) == 0)) {
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

/* The mentions of one entity that names someone or something counted into ``counts`` (its
 * "kind:name", and for a person with a full name the surname alone; ``person``: the kind
 * is "p:"): 0, or -1 with an exception set. An ASCII name of an ASCII kind is lower-cased
 * and stripped into a buffer, and its keys made by ascii_term (no str made per mention). */
static int count_entity(NameCounts *counts, PyObject *prefix, int person, PyObject *canonical) {
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
        memcpy(key, PyUnicode_1BYTE_DATA(prefix), (size_t)p);
        Py_ssize_t n = p, space = -1;
        for (Py_ssize_t i = start; i < end; i++, n++) {
            key[n] = (s[i] >= 'A' && s[i] <= 'Z') ? (unsigned char)(s[i] | 32) : s[i];
            space = s[i] == ' ' ? n : space;
        }
        int status = name_counts_add(counts, ascii_term(key, n, fnv1a(key, n)));
        if (status == 0 && person && space >= 0) {
            /* "p:" (the kind) and the surname, moved up to it: the whole name is counted */
            memmove(key + p, key + space + 1, (size_t)(n - space - 1));
            n = p + n - space - 1;
            status = name_counts_add(counts, ascii_term(key, n, fnv1a(key, n)));
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

PyDoc_STRVAR(entity_features_doc,
"entity_features(entities, prefixes, numeric, most) -> (dict, frozenset, tuple)\n\n"
"An article's entity bag, numbers and main names (storyline.cluster.features.entity_features).");

/* entity_features of ``args``: the (bag, numbers, main names) tuple, or where ``into`` is
 * not NULL the three new references in it and Py_None (new) back (no tuple made for
 * article_record). NULL with an exception set. */
static PyObject *entity_features_into(PyObject *const *args, Py_ssize_t nargs, PyObject **into) {
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
        PyObject *label = PyObject_GetAttr(ent, attr_label);
        if (label == NULL) {
            Py_DECREF(ent);
            goto done;
        }
        PyObject *prefix = PyDict_GetItemWithError(prefixes, label);
        int status = 0;
        if (prefix != NULL) {
            Py_INCREF(prefix);
            int person = PyUnicode_CheckExact(prefix) && PyUnicode_CompareWithASCIIString(prefix, "p:") == 0;
            PyObject *canonical = PyObject_GetAttr(ent, attr_canonical);
            status = canonical == NULL ? -1 : count_entity(&counts, prefix, person, canonical);
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
    /* log_weights of the counts, in first-seen order */
    PyObject *weights = PyDict_New();
    for (Py_ssize_t k = 0; weights != NULL && k < counts.used; k++) {
        PyObject *weight = count_weight(counts.items[k].count);
        if (weight == NULL || PyDict_SetItem(weights, counts.items[k].key, weight) < 0) {
            Py_CLEAR(weights);
        }
        Py_XDECREF(weight);
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
    return entity_features_into(args, nargs, NULL);
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
        Py_ssize_t next[BUCKETS] = {0}; /* by top - count: where the next index of a count goes */
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
    bag = PyDict_New();
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
    PyObject *out = found == 1 ? PyDict_New() : found == 0 ? Py_NewRef(Py_None) : NULL;
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

/* title_bag's bag (see there) as a new dict, Py_None (new), or NULL with an exception set.
 * An ASCII title's terms and its slug's are counted in one counter, the slug's new stems
 * after the title's (the reference's setdefault order), at 1.0. */
static PyObject *title_weights(PyObject *title, PyObject *stop, Py_ssize_t stem_chars, PyObject *url,
                               Py_ssize_t min_words) {
    if (!PyUnicode_IS_ASCII(title)) {
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
    Py_ssize_t n = PyUnicode_GET_LENGTH(title), m = url == Py_None ? 0 : PyUnicode_GET_LENGTH(url);
    const ByteSet *stop_bytes;
    if (stop_byte_set(stop, &stop_bytes) < 0) {
        return NULL;
    }
    unsigned char stack[1024];
    unsigned char *low = scratch(stack, sizeof stack, n + m);
    if (low == NULL) {
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
                 || count_ascii_terms(PyUnicode_1BYTE_DATA(title), n, &counts, stop, stop_bytes, stem_chars) < 0
                 ? -1 : 1;
    if (status > 0 && url != Py_None) {
        titled = counts.entries;
        status = count_slug_terms(url, &counts, n, stop, stop_bytes, stem_chars, min_words, 0);
    }
    if (status == 0) {
        out = Py_NewRef(Py_None);
    } else if (status > 0) {
        out = PyDict_New();
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
        }
        Py_XDECREF(stem);
        Py_XDECREF(weight);
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
    return title_weights(args[0], args[1], stem_chars, url, min_words);
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

/* ---- Refinement's article pairs (references: pair_probability and mean_probability in
 * storyline/cluster/refine.py). A PairScores' cache, sides, models and corpus are read
 * from its attributes. A pair is scored as the reference scores it (pair_features of each article
 * with the other's one-article story, symmetric, interaction_probability), but from each
 * article's side: its bags as arrays of (term, hash, weight, weighted, IDF) with a hash
 * table, and their norms, made once per article (a capsule, which the garbage collector
 * does not track) in place of an ArticleVectors and a single_story. The sums run in the
 * reference's order: the smaller bag in its order, the terms of a title + body as the
 * vectors (body first) or the story (title first) order them. And the linkage pass's
 * test of two stories' words (reference: shares_words in storyline/cluster/features.py). ---- */

/* PairScores' attributes and ArticleFeatures' fields these read, interned once. */
enum { P_CACHE, P_SIDES, P_MODELS, P_DF, P_WEIGHTS, P_ID, P_COUNT };
static const char *const pair_names[P_COUNT] = {"_cache", "_sides", "_models", "_df", "weights", "id"};
static PyObject *pair_str[P_COUNT];
static const char *const side_name = "storyline.cluster.refine.side";

static int pairs_ready(void) {
    if (kernel_ready() < 0) { /* a side's fields are read by the kernel's names */
        return -1;
    }
    if (pair_str[P_COUNT - 1] != NULL) {
        return 0;
    }
    for (int i = 0; i < P_COUNT; i++) {
        if (pair_str[i] == NULL && (pair_str[i] = PyUnicode_InternFromString(pair_names[i])) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* One term of a side's bag: its weight in the article (or the one-article story), that
 * times its IDF (the ArticleVectors value), and the IDF. */
typedef struct {
    PyObject *term; /* a str, held */
    Py_hash_t hash;
    double weight, weighted, idf;
} SideTerm;

typedef struct {
    Py_ssize_t n, capacity;
    SideTerm *terms;
    Py_ssize_t *table; /* index + 1 of a term by its hash (0: empty), mask + 1 slots */
    size_t mask;
    double vector_norm, story_norm; /* the ArticleVectors norm, the story's cached norm */
} SideBag;

enum { S_TITLE, S_BODY, S_ALL_VECTOR, S_ALL_STORY, S_ENTITIES, S_PEOPLE, S_PLACES, S_ORGS, S_YEARS, SIDE_BAGS };

typedef struct Side {
    SideBag bag[SIDE_BAGS];
    PyObject *numbers, *weekdays, *months, *headline; /* held */
    SideTerm *main; /* the article's main names (weights unused) */
    Py_ssize_t n_main;
    SideTerm top[TOP_ENTITIES]; /* its one-article story's top_entities(), weight read */
    Py_ssize_t n_top;
    int dated, is_headline;
    double day;
    /* the room after the Side in its one allocation, where its bags' arrays go while
     * they fit (article_side sizes it): one allocation per article, not two per bag */
    char *room;
    size_t room_left, room_size;
} Side;

/* The last side freed with room, kept for the next article's (the stream makes and frees
 * one per article): no allocation per article, mostly. */
static Side *spare_side = NULL;

/* Whether a bag's array lies in its side's allocation (freed with the side). */
static int in_side(const Side *s, const void *p) {
    uintptr_t at = (uintptr_t)p; /* compared as integers: p may lie in another allocation */
    return at > (uintptr_t)s && at < (uintptr_t)(s->room + s->room_left);
}

static void side_free(Side *s) {
    for (int b = 0; b < SIDE_BAGS; b++) {
        for (Py_ssize_t i = 0; i < s->bag[b].n; i++) {
            Py_DECREF(s->bag[b].terms[i].term);
        }
        if (!in_side(s, s->bag[b].terms)) {
            PyMem_Free(s->bag[b].terms);
        }
        if (!in_side(s, s->bag[b].table)) {
            PyMem_Free(s->bag[b].table);
        }
    }
    for (Py_ssize_t i = 0; i < s->n_main; i++) {
        Py_DECREF(s->main[i].term);
    }
    PyMem_Free(s->main);
    for (Py_ssize_t i = 0; i < s->n_top; i++) {
        Py_DECREF(s->top[i].term);
    }
    Py_XDECREF(s->numbers);
    Py_XDECREF(s->weekdays);
    Py_XDECREF(s->months);
    Py_XDECREF(s->headline);
    Side *freed = s;
    if (s->room_size > 0 && (spare_side == NULL || spare_side->room_size < s->room_size)) {
        freed = spare_side; /* the larger one kept */
        spare_side = s;
    }
    PyMem_Free(freed);
}

static void side_capsule_free(PyObject *capsule) {
    Side *s = PyCapsule_GetPointer(capsule, side_name);
    if (s != NULL) {
        side_free(s);
    }
}

/* The index of a term in a bag, -1 where it holds none. Terms are exact str. */
static Py_ssize_t side_find(const SideBag *bag, PyObject *term, Py_hash_t hash) {
    if (bag->n == 0) {
        return -1;
    }
    for (size_t at = (size_t)hash & bag->mask;; at = (at + 1) & bag->mask) {
        Py_ssize_t k = bag->table[at];
        if (k == 0) {
            return -1;
        }
        const SideTerm *t = &bag->terms[k - 1];
        if (t->term == term || (t->hash == hash && PyUnicode_Compare(t->term, term) == 0)) {
            return k - 1;
        }
    }
}

/* The table slots of a bag of n terms (0 < n). */
static size_t bag_slots(Py_ssize_t n) {
    size_t slots = 8;
    while (slots < (size_t)n * 2) {
        slots *= 2;
    }
    return slots;
}

/* The bytes a bag of n terms takes of its side's room. */
static size_t bag_room(Py_ssize_t n) {
    return n > 0 ? sizeof(SideTerm) * (size_t)n + sizeof(Py_ssize_t) * bag_slots(n) : 0;
}

/* Room for n terms and their table, in the side's own room where they fit; -1 with an
 * exception set. */
static int bag_alloc(Side *s, SideBag *bag, Py_ssize_t n) {
    if (n == 0) {
        return 0;
    }
    size_t slots = bag_slots(n);
    if (bag_room(n) <= s->room_left) {
        bag->terms = (SideTerm *)s->room;
        bag->table = (Py_ssize_t *)(s->room + sizeof(SideTerm) * (size_t)n);
        memset(bag->table, 0, sizeof(Py_ssize_t) * slots);
        s->room += bag_room(n);
        s->room_left -= bag_room(n);
    } else {
        bag->terms = PyMem_Malloc(sizeof(SideTerm) * (size_t)n);
        bag->table = PyMem_Calloc(slots, sizeof(Py_ssize_t));
    }
    if (bag->terms == NULL || bag->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    bag->mask = slots - 1;
    bag->capacity = n;
    return 0;
}

/* Append a term (held here) to a bag made by bag_alloc. */
static void bag_add(SideBag *bag, PyObject *term, Py_hash_t hash, double weight, double weighted, double idf) {
    SideTerm *t = &bag->terms[bag->n++];
    *t = (SideTerm){Py_NewRef(term), hash, weight, weighted, idf};
    size_t at = (size_t)hash & bag->mask;
    while (bag->table[at] != 0) {
        at = (at + 1) & bag->mask;
    }
    bag->table[at] = bag->n;
}

/* sqrt of the summed squares (weighted values, or weight * IDF as cached_norm computes
 * them), or 1.0 for 0; an empty bag's is 1.0 either way. */
static double bag_norm(const SideBag *bag, int story) {
    Sum s = {0.0, 0.0};
    for (Py_ssize_t i = 0; i < bag->n; i++) {
        double v = story ? bag->terms[i].weight * bag->terms[i].idf : bag->terms[i].weighted;
        sum_add(&s, v * v);
    }
    double norm = sqrt(sum_result(&s));
    return norm == 0.0 ? 1.0 : norm;
}

/* A bag of the article's (a dict of str terms) into ``bag``, its IDF read or computed as
 * the reference's loops do. */
static int side_bag(Side *s, SideBag *bag, PyObject *dict, PyObject *idf) {
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "pair_probability: an article's bags must be dicts");
        return -1;
    }
    if (bag_alloc(s, bag, PyDict_GET_SIZE(dict)) < 0) {
        return -1;
    }
    Py_ssize_t pos = 0, size = PyDict_GET_SIZE(dict);
    PyObject *term, *value;
    while (PyDict_Next(dict, &pos, &term, &value)) {
        if (!PyUnicode_CheckExact(term)) {
            PyErr_SetString(PyExc_TypeError, "pair_probability: a bag's terms must be str");
            return -1;
        }
        if (bag->n == bag->capacity) { /* Python code run for a term grew the dict */
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed during iteration");
            return -1;
        }
        Py_hash_t hash = PyObject_Hash(term);
        double w, weight;
        Py_INCREF(term); /* held: the IDF's __missing__ may take it out of the bag */
        int status = hash == -1 ? -1 : weight_and_idf(idf, term, value, &w, &weight);
        if (status == 0) {
            bag_add(bag, term, hash, w, w * weight, weight);
        }
        Py_DECREF(term);
        if (status < 0 || walk_changed(dict, size) < 0) {
            return -1;
        }
    }
    bag->vector_norm = bag->story_norm = bag->n ? bag_norm(bag, 0) : 1.0;
    return 0;
}

/* Title + body both ways: the ArticleVectors' (body order, then the title's own; a term
 * of both weighted (body + title) * IDF) and the one-article story's (title order, then
 * the body's own; title + body). A headline's is its title's either way. */
static int side_all(Side *s) {
    SideBag *title = &s->bag[S_TITLE], *body = &s->bag[S_BODY];
    SideBag *vector = &s->bag[S_ALL_VECTOR], *story = &s->bag[S_ALL_STORY];
    Py_ssize_t n = title->n + body->n;
    if (bag_alloc(s, vector, n) < 0 || bag_alloc(s, story, n) < 0) {
        return -1;
    }
    if (body->n == 0) {
        for (Py_ssize_t i = 0; i < title->n; i++) {
            const SideTerm *t = &title->terms[i];
            bag_add(vector, t->term, t->hash, t->weight, t->weighted, t->idf);
            bag_add(story, t->term, t->hash, t->weight, t->weighted, t->idf);
        }
        vector->vector_norm = vector->story_norm = story->vector_norm = story->story_norm = title->vector_norm;
        return 0;
    }
    for (Py_ssize_t i = 0; i < body->n; i++) {
        const SideTerm *t = &body->terms[i];
        Py_ssize_t k = side_find(title, t->term, t->hash);
        double weighted = k < 0 ? t->weighted : (t->weight + title->terms[k].weight) * t->idf;
        bag_add(vector, t->term, t->hash, 0.0, weighted, t->idf);
    }
    for (Py_ssize_t i = 0; i < title->n; i++) {
        const SideTerm *t = &title->terms[i];
        Py_ssize_t k = side_find(body, t->term, t->hash);
        if (k < 0) {
            bag_add(vector, t->term, t->hash, 0.0, t->weighted, t->idf);
        }
        bag_add(story, t->term, t->hash, k < 0 ? t->weight : t->weight + body->terms[k].weight, 0.0, t->idf);
    }
    for (Py_ssize_t i = 0; i < body->n; i++) {
        const SideTerm *t = &body->terms[i];
        if (side_find(title, t->term, t->hash) < 0) {
            bag_add(story, t->term, t->hash, t->weight, 0.0, t->idf);
        }
    }
    vector->vector_norm = bag_norm(vector, 0);
    story->story_norm = bag_norm(story, 1);
    return 0;
}

static Side *article_side(PyObject *f, PyObject *idf);

/* f.<name> (a kernel name), read from its slot where it is one (held_attr's fast path), a
 * new reference in *out; -1 with an exception set. */
static int side_field(PyObject *f, int name, PyObject **out) {
    const Py_ssize_t *offsets = slot_offsets(Py_TYPE(f));
    PyObject *value = offsets != NULL && offsets[name] != 0 ? *(PyObject **)((char *)f + offsets[name]) : NULL;
    *out = value != NULL ? Py_NewRef(value) : PyObject_GetAttr(f, kernel_str[name]); /* an unset slot raises here */
    return *out == NULL ? -1 : 0;
}

/* An article's side (a new capsule): its bags as the stream's decision reads them
 * (article_side: the kinds split off the entities' arrays), then the rest of its fields;
 * NULL with an exception set. */
static PyObject *side_of(PyObject *f, PyObject *idf) {
    Side *s = article_side(f, idf);
    if (s == NULL) {
        return NULL;
    }
    PyObject *main = NULL, *day = NULL;
    if (side_field(f, K_NUMBERS, &s->numbers) < 0 || side_field(f, K_WEEKDAYS, &s->weekdays) < 0
            || side_field(f, K_MONTHS, &s->months) < 0 || side_field(f, K_HEADLINE_ONLY, &s->headline) < 0
            || side_field(f, K_MAIN, &main) < 0 || side_field(f, K_DAY, &day) < 0) {
        goto fail;
    }
    if ((s->is_headline = PyObject_IsTrue(s->headline)) < 0) {
        goto fail;
    }
    if (day != Py_None) {
        s->dated = 1;
        s->day = PyFloat_AsDouble(day);
        if (FAILED(s->day)) {
            goto fail;
        }
    }
    if (!PyTuple_Check(main)) {
        PyErr_SetString(PyExc_TypeError, "pair_probability: an article's main names must be a tuple");
        goto fail;
    }
    if (PyTuple_GET_SIZE(main) && (s->main = PyMem_Malloc(sizeof(SideTerm) * (size_t)PyTuple_GET_SIZE(main))) == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(main); i++) {
        PyObject *name = PyTuple_GET_ITEM(main, i);
        Py_hash_t hash = PyUnicode_CheckExact(name) ? PyObject_Hash(name) : -1;
        if (hash == -1) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "pair_probability: an article's main names must be str");
            }
            goto fail;
        }
        s->main[s->n_main++] = (SideTerm){Py_NewRef(name), hash, 0.0, 0.0, 0.0};
    }
    /* top_entities_of its story: the TOP_ENTITIES heaviest names, ties in bag order (the
     * first of a stable sort, heaviest first) */
    const SideBag *entities = &s->bag[S_ENTITIES];
    for (Py_ssize_t i = 0; i < entities->n; i++) {
        const SideTerm *t = &entities->terms[i];
        Py_ssize_t at = s->n_top;
        while (at > 0 && s->top[at - 1].weight < t->weight) {
            at--;
        }
        if (at == TOP_ENTITIES) {
            continue;
        }
        if (s->n_top == TOP_ENTITIES) {
            Py_DECREF(s->top[TOP_ENTITIES - 1].term);
            s->n_top--;
        }
        memmove(&s->top[at + 1], &s->top[at], sizeof(SideTerm) * (size_t)(s->n_top - at));
        s->top[at] = *t;
        Py_INCREF(t->term);
        s->n_top++;
    }
    Py_DECREF(main);
    Py_DECREF(day);
    PyObject *capsule = PyCapsule_New(s, side_name, side_capsule_free);
    if (capsule == NULL) {
        side_free(s);
    }
    return capsule;
fail:
    Py_XDECREF(main);
    Py_XDECREF(day);
    side_free(s);
    return NULL;
}

/* story_cosine of an article's vector (``own``, its weighted values) and the other
 * article's one-article story bag (``other``, its weights): the smaller walked in its
 * order, the larger looked up, as shared_dot and cosine_of compute it. */
static double side_cosine(const SideBag *own, const SideBag *other) {
    const SideBag *walked = own->n > other->n ? other : own, *looked = walked == own ? other : own;
    Sum s = {0.0, 0.0};
    int any = 0;
    for (Py_ssize_t i = 0; i < walked->n; i++) {
        const SideTerm *t = &walked->terms[i];
        Py_ssize_t k = side_find(looked, t->term, t->hash);
        if (k >= 0) {
            const SideTerm *u = &looked->terms[k];
            /* walked value * looked value * IDF: the vector's weighted, the story's weight */
            double v = walked == own ? t->weighted : t->weight, w = walked == own ? u->weight : u->weighted;
            sum_add(&s, v * w * t->idf);
            any = 1;
        }
    }
    double total = sum_result(&s);
    return any && total != 0.0 ? total / (own->vector_norm * other->story_norm) : 0.0;
}

/* side_cosine(p, q) and side_cosine(q, p): where the two differ in size both walk the
 * smaller and look up the same terms, so one walk sums both (each product as its own walk
 * makes it). */
static void side_cosines(const SideBag *p, const SideBag *q, double *pq, double *qp) {
    if (p->n == q->n) {
        *pq = side_cosine(p, q);
        *qp = side_cosine(q, p);
        return;
    }
    const SideBag *walked = p->n > q->n ? q : p, *looked = walked == p ? q : p;
    Sum own = {0.0, 0.0}, other = {0.0, 0.0}; /* walked as the vector, walked as the story */
    int any = 0;
    for (Py_ssize_t i = 0; i < walked->n; i++) {
        const SideTerm *t = &walked->terms[i];
        Py_ssize_t k = side_find(looked, t->term, t->hash);
        if (k >= 0) {
            const SideTerm *u = &looked->terms[k];
            sum_add(&own, t->weighted * u->weight * t->idf);
            sum_add(&other, t->weight * u->weighted * t->idf);
            any = 1;
        }
    }
    /* p's vector against q's story, and q's against p's */
    double p_total = sum_result(walked == p ? &own : &other), q_total = sum_result(walked == q ? &own : &other);
    *pq = any && p_total != 0.0 ? p_total / (p->vector_norm * q->story_norm) : 0.0;
    *qp = any && q_total != 0.0 ? q_total / (q->vector_norm * p->story_norm) : 0.0;
}

/* Whether any name of ``names`` is in ``bag`` (by hash table) or among ``top``. */
static int side_names_in(const Side *s, const SideBag *bag, const SideTerm *top, Py_ssize_t n_top) {
    for (Py_ssize_t i = 0; i < s->n_main; i++) {
        const SideTerm *m = &s->main[i];
        if (bag != NULL && side_find(bag, m->term, m->hash) >= 0) {
            return 1;
        }
        for (Py_ssize_t k = 0; k < n_top; k++) {
            if (top[k].term == m->term || (top[k].hash == m->hash && PyUnicode_Compare(top[k].term, m->term) == 0)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Whether two sets (a side's numbers, weekdays or months) both hold some; with ``shared``,
 * how many of the first's the second holds. -1 with an exception set. */
static int sets_meet(PyObject *own, PyObject *other, Py_ssize_t *shared) {
    int named = both_true(own, other);
    if (named <= 0) {
        return named;
    }
    PyObject *iter = PyObject_GetIter(own);
    if (iter == NULL) {
        return -1;
    }
    *shared = 0;
    PyObject *item;
    while ((item = PyIter_Next(iter)) != NULL) {
        int in = PySequence_Contains(other, item);
        Py_DECREF(item);
        if (in < 0) {
            break;
        }
        *shared += in;
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 1;
}

/* The cosines of pair_features(vectors of a, single_story(b), ...) into x and of the
 * same with a and b the other way round into y (the two read the same bags but the title +
 * body ones: side_cosines), each of x and y zeroed first. */
static void side_cosines_both(const Side *a, const Side *b, double *x, double *y) {
    for (int i = 0; i < PAIR_FEATURES; i++) {
        x[i] = 0.0;
        y[i] = 0.0;
    }
    side_cosines(&a->bag[S_TITLE], &b->bag[S_TITLE], &x[0], &y[0]);
    if (a->bag[S_BODY].n && b->bag[S_BODY].n) {
        side_cosines(&a->bag[S_BODY], &b->bag[S_BODY], &x[1], &y[1]);
    }
    x[2] = side_cosine(&a->bag[S_ALL_VECTOR], &b->bag[S_ALL_STORY]);
    y[2] = side_cosine(&b->bag[S_ALL_VECTOR], &a->bag[S_ALL_STORY]);
    side_cosines(&a->bag[S_ENTITIES], &b->bag[S_ENTITIES], &x[3], &y[3]);
    for (int k = 0; k < 3; k++) {
        if (a->bag[S_PEOPLE + k].n && b->bag[S_PEOPLE + k].n) {
            side_cosines(&a->bag[S_PEOPLE + k], &b->bag[S_PEOPLE + k], &x[4 + k], &y[4 + k]);
        }
    }
    if (a->bag[S_YEARS].n && b->bag[S_YEARS].n && !(a->dated && b->dated)) {
        side_cosines(&a->bag[S_YEARS], &b->bag[S_YEARS], &x[13], &y[13]);
    }
}

/* The rest of pair_features(vectors of a, single_story(b), ...) from the two sides into x
 * (its cosines there already: side_cosines_both). */
static int side_features(const Side *a, const Side *b, double *x) {
    Py_ssize_t shared = 0;
    int numbered = sets_meet(a->numbers, b->numbers, &shared);
    if (numbered < 0) {
        return -1;
    }
    if (numbered) {
        Py_ssize_t own_n = PyObject_Size(a->numbers), other_n = PyObject_Size(b->numbers);
        if (own_n < 0 || other_n < 0) {
            return -1;
        }
        x[7] = (double)shared / (double)(own_n < other_n ? own_n : other_n);
    }
    if (a->n_main && b->bag[S_ENTITIES].n) {
        int hit = side_names_in(a, NULL, b->top, b->n_top);
        x[8] = hit ? 1.0 : 0.0;
        x[9] = hit || side_names_in(a, &b->bag[S_ENTITIES], NULL, 0) ? 0.0 : 1.0;
    }
    int dated = a->dated && b->dated;
    if (dated) {
        double gap = fabs(a->day - b->day);
        x[10] = log1p(400.0 < gap ? 400.0 : gap) / log1p(400.0); /* _MAX_DAYS */
    }
    for (int k = 0; k < 2; k++) {
        PyObject *own = k ? a->months : a->weekdays, *other = k ? b->months : b->weekdays;
        int met = sets_meet(own, other, &shared);
        if (met < 0) {
            return -1;
        }
        x[11 + k] = met && shared == 0 ? 1.0 : 0.0;
    }
    if (a->bag[S_YEARS].n && b->bag[S_YEARS].n && !dated) {
        x[14] = 1.0; /* (x[13]: side_cosines_both) */
    }
    x[15] = 0.0; /* log(1): a story of one article */
    x[16] = a->is_headline ? 1.0 : 0.0;
    return 0;
}

/* What a PairScores holds, read once per call (new references). */
typedef struct {
    PyObject *cache, *sides, *models, *idf;
} PairState;

static void pair_state_clear(PairState *s) {
    Py_CLEAR(s->cache);
    Py_CLEAR(s->sides);
    Py_CLEAR(s->models);
    Py_CLEAR(s->idf);
}

static int pair_state(PyObject *scores, PairState *s) {
    *s = (PairState){NULL};
    PyObject **at[3] = {&s->cache, &s->sides, &s->models};
    for (int i = 0; i < 3; i++) {
        if ((*at[i] = PyObject_GetAttr(scores, pair_str[P_CACHE + i])) == NULL) {
            pair_state_clear(s);
            return -1;
        }
    }
    PyObject *df = PyObject_GetAttr(scores, pair_str[P_DF]);
    s->idf = df == NULL ? NULL : PyObject_GetAttr(df, pair_str[P_WEIGHTS]);
    Py_XDECREF(df);
    if (s->idf == NULL) {
        pair_state_clear(s);
        return -1;
    }
    if (!PyDict_Check(s->cache) || !PyDict_Check(s->sides) || !PyDict_Check(s->models) || !PyDict_Check(s->idf)) {
        PyErr_SetString(PyExc_TypeError, "PairScores: its cache, sides, models and IDF weights must be dicts");
        pair_state_clear(s);
        return -1;
    }
    return 0;
}

/* The article's side (a new reference to its capsule, *side set), made and filed where
 * missing; NULL with an exception set. */
static PyObject *side_in(PairState *s, PyObject *f, PyObject *id, Side **side) {
    PyObject *capsule = PyDict_GetItemWithError(s->sides, id);
    if (capsule != NULL) {
        Py_INCREF(capsule);
    } else if (PyErr_Occurred() || (capsule = side_of(f, s->idf)) == NULL
               || PyDict_SetItem(s->sides, id, capsule) < 0) {
        Py_XDECREF(capsule);
        return NULL;
    }
    if ((*side = PyCapsule_GetPointer(capsule, side_name)) == NULL) {
        Py_CLEAR(capsule);
    }
    return capsule;
}

/* A model's weights as doubles: an array('d')'s buffer where it is one, else a copy. */
typedef struct {
    Py_buffer view;
    double *copy;
    const double *w;
    Py_ssize_t m;
} Weights;

static int weights_of(PyObject *obj, Weights *out) {
    out->copy = NULL;
    out->view.obj = NULL;
    if (PyObject_CheckBuffer(obj) && PyObject_GetBuffer(obj, &out->view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) == 0) {
        if (out->view.itemsize == sizeof(double) && out->view.format != NULL && strcmp(out->view.format, "d") == 0) {
            out->w = out->view.buf;
            out->m = out->view.len / (Py_ssize_t)sizeof(double);
            return 0;
        }
        PyBuffer_Release(&out->view);
        out->view.obj = NULL;
    }
    PyErr_Clear(); /* not a buffer of doubles: read it as a sequence */
    out->copy = doubles_of(obj, &out->m);
    out->w = out->copy;
    return out->copy == NULL ? -1 : 0;
}

static void weights_release(Weights *w) {
    if (w->view.obj != NULL) {
        PyBuffer_Release(&w->view);
    }
    PyMem_Free(w->copy);
}

/* The reference's score of two articles; -1 with an exception set. */
static int score_pair(PairState *s, PyObject *a, PyObject *b, PyObject *id_a, PyObject *id_b, double *out) {
    Side *side_a, *side_b;
    PyObject *capsule_a = side_in(s, a, id_a, &side_a);
    PyObject *capsule_b = capsule_a == NULL ? NULL : side_in(s, b, id_b, &side_b);
    if (capsule_b == NULL) {
        Py_XDECREF(capsule_a);
        return -1;
    }
    PyObject *headline = side_a->is_headline ? side_a->headline : side_b->headline;
    PyObject *model = PyDict_GetItemWithError(s->models, headline);
    if (model == NULL || !PyTuple_Check(model) || PyTuple_GET_SIZE(model) != 2) {
        if (model != NULL) {
            PyErr_SetString(PyExc_TypeError, "PairScores: a model must be a (weights, bias) pair");
        } else if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, headline);
        }
        Py_DECREF(capsule_a);
        Py_DECREF(capsule_b);
        return -1;
    }
    Py_INCREF(model);
    double a_to_b[PAIR_FEATURES], b_to_a[PAIR_FEATURES];
    double bias = PyFloat_AsDouble(PyTuple_GET_ITEM(model, 1));
    Weights w;
    int done = -1;
    if (!FAILED(bias)) {
        side_cosines_both(side_a, side_b, a_to_b, b_to_a);
    }
    if (!FAILED(bias) && side_features(side_a, side_b, a_to_b) == 0 && side_features(side_b, side_a, b_to_a) == 0
            && weights_of(PyTuple_GET_ITEM(model, 0), &w) == 0) {
        for (int i = 0; i < PAIR_FEATURES; i++) {
            a_to_b[i] = (a_to_b[i] + b_to_a[i]) / 2; /* symmetric */
        }
        done = interaction_of(a_to_b, PAIR_FEATURES, w.w, w.m, bias, out);
        weights_release(&w);
    }
    Py_DECREF(model);
    Py_DECREF(capsule_a);
    Py_DECREF(capsule_b);
    return done;
}

/* The cached probability of two articles (a new reference to the cached float), scored
 * and cached where missing; NULL with an exception set. */
static PyObject *cached_pair(PairState *s, PyObject *a, PyObject *b) {
    PyObject *out = NULL, *row = NULL;
    PyObject *id_a = PyObject_GetAttr(a, pair_str[P_ID]);
    PyObject *id_b = id_a == NULL ? NULL : PyObject_GetAttr(b, pair_str[P_ID]);
    int less = id_b == NULL ? -1 : PyObject_RichCompareBool(id_a, id_b, Py_LT);
    if (less < 0) {
        goto done;
    }
    PyObject *lo = less ? id_a : id_b, *hi = less ? id_b : id_a;
    row = PyDict_GetItemWithError(s->cache, lo);
    if (row == NULL || row == Py_None) {
        if (PyErr_Occurred() || (row = PyDict_New()) == NULL || PyDict_SetItem(s->cache, lo, row) < 0) {
            Py_CLEAR(row);
            goto done;
        }
    } else {
        Py_INCREF(row);
    }
    if (!PyDict_Check(row)) {
        PyErr_SetString(PyExc_TypeError, "PairScores: a cache row must be a dict");
        goto done;
    }
    out = PyDict_GetItemWithError(row, hi);
    if (out != NULL && out != Py_None) {
        Py_INCREF(out);
        goto done;
    }
    out = NULL;
    double p;
    if (PyErr_Occurred() || score_pair(s, a, b, id_a, id_b, &p) < 0) {
        goto done;
    }
    out = PyFloat_FromDouble(p);
    if (out != NULL && PyDict_SetItem(row, hi, out) < 0) {
        Py_CLEAR(out);
    }
done:
    Py_XDECREF(row);
    Py_XDECREF(id_a);
    Py_XDECREF(id_b);
    return out;
}

PyDoc_STRVAR(shares_words_doc,
"shares_words(vectors, story, df, floor) -> bool\n\n"
"Whether an ArticleVectors' title, title + body or body cosine with a StoryFeatures\n"
"reaches ``floor``, each computed only until one does (storyline.cluster.features).");

static PyObject *shares_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "shares_words takes 4 arguments");
        return NULL;
    }
    double floor = PyFloat_AsDouble(args[3]);
    if (FAILED(floor) || kernel_ready() < 0) {
        return NULL;
    }
    PyObject *vectors = args[0], *story = args[1];
    Held h;
    h.n = 0;
    PyObject *idf = held_attr(&h, args[2], K_WEIGHTS);
    PyObject *norms = idf == NULL ? NULL : hold(&h, story_norms(story, args[2]));
    if (norms == NULL) {
        goto fail;
    }
    if (!PyDict_Check(idf) || !PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "shares_words: the IDF weights and the norms must be dicts");
        goto fail;
    }
    /* title, title + body, then body (where both have one), as the reference tries them */
    static const int vec[3] = {K_TITLE, K_ALL, K_BODY}, norm[3] = {K_TITLE_NORM, K_ALL_NORM, K_BODY_NORM};
    int meet = 0;
    for (int i = 0; i < 3 && !meet; i++) {
        if (vec[i] == K_BODY) {
            PyObject *f = held_attr(&h, vectors, K_FEATURES);
            PyObject *own_body = f == NULL ? NULL : held_attr(&h, f, K_BODY);
            PyObject *story_body = own_body == NULL ? NULL : held_attr(&h, story, K_BODY);
            int bodies = story_body == NULL ? -1 : both_true(own_body, story_body);
            if (bodies <= 0) {
                if (bodies < 0) {
                    goto fail;
                }
                break;
            }
        }
        double cosine;
        if (attr_cosine(&h, vectors, vec[i], norm[i], story, vec[i], vec[i], norms, idf, &cosine) < 0) {
            goto fail;
        }
        meet = cosine >= floor;
    }
    release(&h);
    return PyBool_FromLong(meet);
fail:
    release(&h);
    return NULL;
}

PyDoc_STRVAR(pair_probability_doc,
"pair_probability(scores, a, b) -> float\n\n"
"A PairScores' same-event probability of two articles, from its cache or scored and\n"
"cached (storyline.cluster.refine).");

static PyObject *pair_probability(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "pair_probability takes 3 arguments");
        return NULL;
    }
    PairState s;
    if (pairs_ready() < 0 || pair_state(args[0], &s) < 0) {
        return NULL;
    }
    PyObject *out = cached_pair(&s, args[1], args[2]);
    pair_state_clear(&s);
    return out;
}

PyDoc_STRVAR(mean_probability_doc,
"mean_probability(scores, xs, ys, at_least) -> float\n\n"
"The mean of a PairScores' probabilities over every pair of ``xs`` with ``ys``, or, as\n"
"soon as it cannot reach ``at_least``, some value below it (storyline.cluster.refine).");

static PyObject *mean_probability(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "mean_probability takes 4 arguments");
        return NULL;
    }
    PyObject *xs = args[1], *ys = args[2];
    if (!PyList_Check(xs) || !PyList_Check(ys)) {
        PyErr_SetString(PyExc_TypeError, "mean_probability: the articles must be lists");
        return NULL;
    }
    double at_least = PyFloat_AsDouble(args[3]);
    PairState s;
    if (FAILED(at_least) || pairs_ready() < 0 || pair_state(args[0], &s) < 0) {
        return NULL;
    }
    double n = (double)(PyList_GET_SIZE(xs) * PyList_GET_SIZE(ys));
    /* as the reference: the running total decides the early exit, the sum of what was
     * read (sum(), compensated where Python's is) the mean */
    double short_of = at_least * n - 1e-9, total = 0.0, left = n;
    Sum read = {0.0, 0.0};
    PyObject *out = NULL;
    /* by index, each list's length read again at each step: as a for loop walks a list
     * that Python code (an IDF's __missing__, a key's __eq__) may change */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(xs); i++) {
        PyObject *x = Py_NewRef(PyList_GET_ITEM(xs, i));
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(ys); j++) {
            PyObject *y = Py_NewRef(PyList_GET_ITEM(ys, j));
            PyObject *p_obj = cached_pair(&s, x, y);
            Py_DECREF(y);
            double p = p_obj == NULL ? -1.0 : PyFloat_AsDouble(p_obj);
            Py_XDECREF(p_obj);
            if (p_obj == NULL || FAILED(p)) {
                Py_DECREF(x);
                goto done;
            }
            sum_add(&read, p);
            total += p;
            left -= 1;
            if (total + left < short_of) {
                Py_DECREF(x);
                out = PyFloat_FromDouble(total / n);
                goto done;
            }
        }
        Py_DECREF(x);
    }
    if (n == 0.0) {
        PyErr_SetString(PyExc_ZeroDivisionError, "division by zero");
    } else {
        out = PyFloat_FromDouble(sum_result(&read) / n);
    }
done:
    pair_state_clear(&s);
    return out;
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

/* The settings tuple's items (features._ARTICLE_SETTINGS), in order. */
enum { S_CLASS, S_STEM_CHARS, S_SLUG_MIN_WORDS, S_BODY_CHARS, S_BODY_TERMS, S_BODY_KEYS, S_PREFIXES, S_NUMERIC,
       S_MAIN_ENTITIES, S_TIME_CHARS, S_AS_VECTOR, S_COUNT };
/* ArticleFeatures' fields (its __slots__), in order. */
enum { F_ID, F_TITLE, F_BODY, F_ENTITIES, F_NUMBERS, F_DAY, F_YEAR, F_YEARS, F_HEADLINE_ONLY, F_MAIN, F_WEEKDAYS,
       F_MONTHS, F_KEYS, F_EMBEDDING, F_COUNT };

/* The years the article's annotator dated things in ([d.value.year for d in dates]) as a new
 * list, or a new reference to the empty tuple where there are none; NULL with an exception set. */
static PyObject *known_years(PyObject *annotated) {
    PyObject *dates = PyObject_GetAttr(annotated, article_str[A_DATES]);
    int some = dates == NULL ? -1 : PyObject_IsTrue(dates);
    if (some <= 0) {
        Py_XDECREF(dates);
        return some < 0 ? NULL : PyTuple_New(0);
    }
    PyObject *years = PyList_New(0), *iter = PyObject_GetIter(dates), *date;
    Py_DECREF(dates);
    while (years != NULL && iter != NULL && (date = PyIter_Next(iter)) != NULL) {
        PyObject *value = PyObject_GetAttr(date, article_str[A_VALUE]);
        PyObject *year = value == NULL ? NULL : PyObject_GetAttr(value, article_str[A_YEAR]);
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
 * where the title lacks it (dict.fromkeys' first-seen order). NULL with an exception set. */
static PyObject *index_keys(PyObject *title, PyObject *entities, PyObject *top_body) {
    Py_ssize_t n_top = top_body == NULL ? 0 : PyList_GET_SIZE(top_body);
    PyObject *keys = PyTuple_New(PyDict_GET_SIZE(title) + PyDict_GET_SIZE(entities) + n_top), *key, *value;
    if (keys == NULL) {
        return NULL;
    }
    Py_ssize_t used = 0;
    PyObject *bags[2] = {title, entities};
    for (int b = 0; b < 2; b++) {
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
        if (PyObject_IS_GC(value) && PyObject_GC_IsTracked(value)) {
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
    Py_ssize_t offsets[MAX_FIELDS], count, stem_chars, min_words, body_chars;
    if (read_field_offsets(type, offsets, &count) < 0 || featurize_ready() < 0
        || count_argument(set[S_STEM_CHARS], "article_features", &stem_chars) < 0
        || count_argument(set[S_SLUG_MIN_WORDS], "article_features", &min_words) < 0
        || count_argument(set[S_BODY_CHARS], "article_features", &body_chars) < 0) {
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
    PyObject *top_body = NULL, *known = NULL, *year = NULL, *out = NULL;
    article = read_article != NULL ? Py_NewRef(read_article) : PyObject_GetAttr(annotated, article_str[A_ARTICLE]);
    title_text = article == NULL ? NULL : read_title != NULL ? Py_NewRef(read_title)
                                                           : PyObject_GetAttr(article, article_str[A_TITLE]);
    text = title_text == NULL ? NULL : read_text != NULL ? Py_NewRef(read_text)
                                                        : PyObject_GetAttr(article, article_str[A_TEXT]);
    url = text == NULL ? NULL : headline ? PyObject_GetAttr(article, article_str[A_URL]) : Py_NewRef(Py_None);
    if (url == NULL) {
        goto done;
    }
    if (!PyUnicode_Check(title_text) || !PyUnicode_Check(text) || (url != Py_None && !PyUnicode_Check(url))) {
        PyErr_SetString(PyExc_TypeError, "article_features: an article's title and text must be str, its URL a str "
                                         "or None");
        goto done;
    }
    /* (a part that some loop leaves to its reference leaves the whole to the reference: None) */
    field[F_TITLE] = title_weights(title_text, stop, stem_chars, url, min_words);
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
    PyObject *time_args[3] = {title_text, text, set[S_TIME_CHARS]};
    found = time_words(NULL, time_args, 3);
    if (found == NULL || found == Py_None) {
        out = found == NULL ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    field[F_WEEKDAYS] = item_of(found, 0);
    field[F_MONTHS] = item_of(found, 1);
    Py_CLEAR(found);
    PyObject *entities = PyObject_GetAttr(annotated, article_str[A_ENTITIES]);
    if (entities == NULL) {
        goto done;
    }
    PyObject *entity_args[4] = {entities, set[S_PREFIXES], set[S_NUMERIC], set[S_MAIN_ENTITIES]};
    PyObject *entity_parts[3];
    found = entity_features_into(entity_args, 4, entity_parts);
    Py_DECREF(entities);
    if (found == NULL) {
        goto done;
    }
    field[F_ENTITIES] = entity_parts[0];
    field[F_NUMBERS] = entity_parts[1];
    field[F_MAIN] = entity_parts[2];
    Py_CLEAR(found);
    if (field[F_BODY] == NULL || (field[F_KEYS] = index_keys(field[F_TITLE], field[F_ENTITIES], top_body)) == NULL) {
        goto done;
    }
    year = when == Py_None ? Py_NewRef(Py_None) : PyObject_GetAttr(when, article_str[A_YEAR]);
    field[F_DAY] = when == Py_None ? Py_NewRef(Py_None) : PyObject_CallMethodNoArgs(when, article_str[A_TOORDINAL]);
    known = year == NULL || field[F_DAY] == NULL ? NULL : known_years(annotated);
    if (known == NULL) {
        goto done;
    }
    PyObject *year_args[4] = {title_text, body_text, known, year};
    PyObject *year_parts[2];
    found = year_features_into(year_args, 4, year_parts);
    if (found == NULL) {
        goto done;
    }
    field[F_YEAR] = year_parts[0];
    field[F_YEARS] = year_parts[1];
    Py_CLEAR(found);
    PyObject *embedding = PyObject_GetAttr(annotated, article_str[A_EMBEDDING]);
    int some = embedding == NULL ? -1 : PyObject_IsTrue(embedding);
    field[F_EMBEDDING] = some < 0 ? NULL : some ? PyObject_CallOneArg(set[S_AS_VECTOR], embedding) : Py_NewRef(Py_None);
    Py_XDECREF(embedding);
    field[F_ID] = field[F_EMBEDDING] == NULL ? NULL : PyObject_GetAttr(article, article_str[A_ID]);
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
enum { FZ_LANGUAGE, FZ_HEADLINE_ONLY, FZ_COUNT };
static const char *const featurize_names[FZ_COUNT] = {"language", "headline_only"};
static PyObject *featurize_str[FZ_COUNT];
/* The last language featurize asked stop_words for, and its answer (held): a stream's
 * articles are mostly in one language, and the call costs more than the rest of featurize's
 * own work. */
static PyObject *last_language = NULL, *last_stop = NULL;

PyDoc_STRVAR(register_featurize_doc,
"register_featurize(settings, stop_words, event_date, reference) -> None\n\n"
"What featurize reads besides the article (storyline.cluster.features: _ARTICLE_SETTINGS,\n"
"stop_words, event_date, the reference of article_features).");

static PyObject *register_featurize(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != S_COUNT || !PyCallable_Check(args[1])
        || !PyCallable_Check(args[2]) || !PyCallable_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "register_featurize takes the settings tuple and three callables");
        return NULL;
    }
    for (int k = 0; k < FZ_COUNT; k++) {
        if (featurize_str[k] == NULL && (featurize_str[k] = PyUnicode_InternFromString(featurize_names[k])) == NULL) {
            return NULL;
        }
    }
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
    PyObject *article = PyObject_GetAttr(annotated, article_str[A_ARTICLE]);
    PyObject *language = article == NULL ? NULL : PyObject_GetAttr(article, featurize_str[FZ_LANGUAGE]);
    PyObject *stop = NULL, *headline_only = NULL, *when = NULL, *made = NULL;
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
    headline_only = PyObject_GetAttr(article, featurize_str[FZ_HEADLINE_ONLY]);
    when = headline_only == NULL ? NULL : PyObject_CallOneArg(featurize_event_date, annotated);
    if (when == NULL) {
        goto done;
    }
    PyObject *args[5] = {annotated, stop, headline_only, when, featurize_settings};
    made = article_record(args, 5, article, NULL, NULL);
    if (made == Py_None) {  /* input that a compiled loop leaves to its reference */
        Py_SETREF(made, PyObject_Vectorcall(featurize_fallback, args, 5, NULL));
    }
done:
    Py_XDECREF(article);
    Py_XDECREF(stop);
    Py_XDECREF(headline_only);
    Py_XDECREF(when);
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

/* ---- The stream's join decision on arrays (decide below): the article read as a
 * refinement side (its bags as arrays of term, hash, weight, weighted value and IDF, with
 * hash tables) in place of an ArticleVectors, so that no dict or float is made per article
 * term; its bags' cosines with a story's bags in cosine_of's order. ---- */

/* An article's side as decide reads it: its bags (title, body, entities, years, the three
 * kinds, title + body both ways), the IDF weights read (or computed) in the order
 * ArticleVectors(features, df) reads them, none of the rest (side_of reads that); NULL
 * with an exception set. Freed by side_free. */
static Side *article_side(PyObject *f, PyObject *idf) {
    Held h;
    h.n = 0;
    static const int fields[4] = {K_TITLE, K_BODY, K_ENTITIES, K_YEARS};
    static const int slots[4] = {S_TITLE, S_BODY, S_ENTITIES, S_YEARS};
    Py_ssize_t sizes[4];
    for (int i = 0; i < 4; i++) {
        PyObject *bag = held_attr(&h, f, fields[i]);
        if (bag == NULL) {
            release(&h);
            return NULL;
        }
        sizes[i] = PyDict_Check(bag) ? PyDict_GET_SIZE(bag) : 0;
    }
    /* room for its bags as they are now: the four, the kinds (the entities' at most
     * each), title + body both ways */
    size_t room = bag_room(sizes[0]) + bag_room(sizes[1]) + 4 * bag_room(sizes[2]) + bag_room(sizes[3])
                  + 2 * bag_room(sizes[0] + sizes[1]);
    Side *s = spare_side;
    if (s != NULL && s->room_size >= room) {
        spare_side = NULL;
        room = s->room_size;
    } else {
        /* the exact room: refinement keeps a side per article it compares, and a floor
         * (8 KiB) on each raised its peak memory by 9 MB at 10k articles; the stream
         * reuses the spare, the largest side freed, for most articles */
        s = PyMem_Malloc(sizeof(Side) + room);
        if (s == NULL) {
            release(&h);
            PyErr_NoMemory();
            return NULL;
        }
    }
    memset(s, 0, sizeof(Side));
    s->room = (char *)(s + 1);
    s->room_left = s->room_size = room;
    for (int i = 0; i < 4; i++) {
        /* read again: the IDF's __missing__ (Python code) may have run since */
        PyObject *bag = held_attr(&h, f, fields[i]);
        if (bag == NULL || side_bag(s, &s->bag[slots[i]], bag, idf) < 0) {
            goto fail;
        }
    }
    /* each kind's names in the entities' order (_split_kinds), read off their bag */
    const SideBag *entities = &s->bag[S_ENTITIES];
    int few[64];
    int *kind_of = entities->n <= 64 ? few : PyMem_Malloc(sizeof(int) * (size_t)entities->n);
    if (kind_of == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t named[3] = {0, 0, 0};
    for (Py_ssize_t i = 0; i < entities->n; i++) {
        PyObject *term = entities->terms[i].term;
        Py_UCS4 c = PyUnicode_GET_LENGTH(term) < 2 || PyUnicode_READ_CHAR(term, 1) != ':' ? 0
                    : PyUnicode_READ_CHAR(term, 0);
        kind_of[i] = c == 'p' ? 0 : c == 'l' ? 1 : c == 'o' ? 2 : -1;
        if (kind_of[i] >= 0) {
            named[kind_of[i]]++;
        }
    }
    int failed = 0;
    for (int k = 0; k < 3 && !failed; k++) {
        failed = bag_alloc(s, &s->bag[S_PEOPLE + k], named[k]) < 0;
    }
    for (Py_ssize_t i = 0; i < entities->n && !failed; i++) {
        const SideTerm *t = &entities->terms[i];
        if (kind_of[i] >= 0) {
            bag_add(&s->bag[S_PEOPLE + kind_of[i]], t->term, t->hash, t->weight, t->weighted, t->idf);
        }
    }
    if (kind_of != few) {
        PyMem_Free(kind_of);
    }
    for (int k = 0; k < 3 && !failed; k++) {
        SideBag *kind = &s->bag[S_PEOPLE + k];
        kind->vector_norm = kind->story_norm = kind->n ? bag_norm(kind, 0) : 1.0;
    }
    if (failed || side_all(s) < 0) {
        goto fail;
    }
    release(&h);
    return s;
fail:
    release(&h);
    side_free(s);
    return NULL;
}

/* The side's bag of the ArticleVectors vector <name>. */
static int side_slot(int name) {
    switch (name) {
    case K_TITLE:
        return S_TITLE;
    case K_BODY:
        return S_BODY;
    case K_ALL:
        return S_ALL_VECTOR;
    case K_ENTITIES:
        return S_ENTITIES;
    case K_YEARS:
        return S_YEARS;
    default:
        return S_PEOPLE + (name - K_PEOPLE);
    }
}

static int side_cosine_of(const Side *side, int name, PyObject *bag, PyObject *norms, PyObject *idf, int named_only,
                          double *out) {
    const SideBag *own = &side->bag[side_slot(name)];
    if (named_only) { /* both_true(vector, bag) */
        int named = own->n == 0 ? 0 : truth(bag);
        if (named <= 0) {
            return named;
        }
    }
    if (!PyDict_Check(bag)) {
        PyErr_SetString(PyExc_TypeError, "story_cosine: the vector and the bag must be dicts");
        return -1;
    }
    double bag_norm = cached_norm(norms, kernel_str[name], bag, idf);
    if (FAILED(bag_norm)) {
        return -1;
    }
    /* shared_dot of the smaller (the article's where equal) in its order: the article's
     * weighted value * the bag's value * the IDF, the IDF the side read at the article's
     * first touch of the term (shared terms are the article's, so none is computed here) */
    Sum s = {0.0, 0.0};
    int any = 0;
    if (own->n > PyDict_GET_SIZE(bag)) {
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(bag);
        PyObject *term, *value;
        while (PyDict_Next(bag, &pos, &term, &value)) {
            if (!PyUnicode_Check(term)) {
                continue; /* the article's terms are str: no other key is one of them */
            }
            Py_ssize_t k;
            double v;
            if (PyUnicode_CheckExact(term) && PyFloat_CheckExact(value)) {
                /* no Python code runs for them: the str's hash is cached or computed in C */
                k = side_find(own, term, PyObject_Hash(term));
                v = PyFloat_AS_DOUBLE(value);
            } else {
                /* held: a str subclass's hash and a value's __float__ may run Python code */
                Py_INCREF(term);
                Py_INCREF(value);
                Py_hash_t hash = PyObject_Hash(term);
                k = hash == -1 ? -1 : side_find(own, term, hash);
                v = k < 0 ? 0.0 : PyFloat_AsDouble(value);
                Py_DECREF(term);
                Py_DECREF(value);
                if (hash == -1 || FAILED(v) || walk_changed(bag, size) < 0) {
                    return -1;
                }
            }
            if (k >= 0) {
                sum_add(&s, v * own->terms[k].weighted * own->terms[k].idf);
                any = 1;
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < own->n; i++) {
            const SideTerm *t = &own->terms[i];
            PyObject *other = _PyDict_GetItem_KnownHash(bag, t->term, t->hash);
            if (other == NULL) {
                if (PyErr_Occurred()) {
                    return -1;
                }
                continue;
            }
            double w;
            if (PyFloat_CheckExact(other)) {
                w = PyFloat_AS_DOUBLE(other);
            } else {
                Py_INCREF(other); /* held: its __float__ may run Python code */
                w = PyFloat_AsDouble(other);
                Py_DECREF(other);
                if (FAILED(w)) {
                    return -1;
                }
            }
            sum_add(&s, t->weighted * w * t->idf);
            any = 1;
        }
    }
    double total = sum_result(&s);
    *out = any && total != 0.0 ? total / (own->vector_norm * bag_norm) : 0.0;
    return 1;
}

/* ---- The stream: an article's join decision in one call (reference: decide in
 * storyline/cluster/online.py), the article read as a side (above) in place of its
 * ArticleVectors; and a story's sums grown by an article (reference: add_article in
 * storyline/cluster/features.py). ---- */

/* A new story's shared empty Counter (features._NO_COUNTS), once registered. */
static PyObject *no_counts = NULL, *no_arguments = NULL;
/* names the scoring kernel does not read, interned at registration */
static PyObject *first_day_name, *year_name, *embedding_name, *last_seen_name, *add_embedding_name, *df_name,
    *n_cached_name, *epoch_name, *clear_name;

PyDoc_STRVAR(register_stream_doc,
"register_stream(no_counts) -> None\n\n"
"add_article gives a story its own Counter where it holds ``no_counts``\n"
"(storyline.cluster.features).");

static PyObject *register_stream(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 1 || !PyDict_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "register_stream takes a dict");
        return NULL;
    }
    if (no_arguments == NULL) {
        const char *texts[] = {"first_day", "year", "embedding", "last_seen", "_add_embedding", "df", "_n_cached",
                               "epoch", "clear"};
        PyObject **names[] = {&first_day_name, &year_name, &embedding_name, &last_seen_name, &add_embedding_name,
                              &df_name, &n_cached_name, &epoch_name, &clear_name};
        for (int i = 0; i < 9; i++) {
            if (*names[i] == NULL && (*names[i] = PyUnicode_InternFromString(texts[i])) == NULL) {
                return NULL;
            }
        }
        if ((no_arguments = PyTuple_New(0)) == NULL) {
            return NULL;
        }
    }
    Py_XSETREF(no_counts, Py_NewRef(args[0]));
    Py_RETURN_NONE;
}

/* Drops the n stories and norms that text_cosines kept (NULL where it kept none). */
static void drop_kept(PyObject **kept, Py_ssize_t n) {
    for (Py_ssize_t i = 0; kept != NULL && i < 2 * n; i++) {
        Py_XDECREF(kept[i]);
    }
    PyMem_Free(kept);
}

PyDoc_STRVAR(decide_doc,
"decide(features, candidates, stories, df, count, floor, window_days, weights, bias, threshold)\n"
"    -> story id | None\n\n"
"best_story over an article's ranked candidates (distinct ids into ``stories``): the\n"
"``count`` best by their text cosine where there are more, else all (storyline.cluster.online).");

static PyObject *decide(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "decide takes 10 arguments");
        return NULL;
    }
    PyObject *features = args[0], *stories = args[2], *df = args[3];
    Py_ssize_t count = PyLong_AsSsize_t(args[4]);
    double bias, threshold;
    if ((count == -1 && PyErr_Occurred()) || (bias = PyFloat_AsDouble(args[8]), FAILED(bias))
            || (threshold = PyFloat_AsDouble(args[9]), FAILED(threshold)) || kernel_ready() < 0) {
        return NULL;
    }
    if (!PyDict_Check(stories)) {
        PyErr_SetString(PyExc_TypeError, "decide: the stories must be a dict");
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *best = NULL;
    Side *side = NULL;
    double best_margin = 0.0, *w = NULL, *cosines = NULL;
    Py_ssize_t m = 0, *order = NULL, kept_n = 0;
    PyObject **kept = NULL; /* the ranked candidates' stories and norms (text_cosines) */
    PyObject *idf = held_attr(&h, df, K_WEIGHTS);
    if (idf == NULL) {
        goto fail;
    }
    if (!PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "decide: the IDF weights must be a dict");
        goto fail;
    }
    side = article_side(features, idf);
    /* a tuple of them (a list's own array and items may be freed by Python code run
     * below: an IDF's __missing__, a story id's __eq__) */
    PyObject *candidates = side == NULL ? NULL : hold(&h, PySequence_Tuple(args[1]));
    /* the fields pair_values reads of the article, read once */
    static const int own_names[] = {K_BODY, K_NUMBERS, K_MAIN, K_DAY, K_WEEKDAYS, K_MONTHS, K_YEARS, K_HEADLINE_ONLY};
    PyObject *own[K_COUNT] = {NULL};
    for (size_t i = 0; candidates != NULL && i < sizeof own_names / sizeof own_names[0]; i++) {
        if ((own[own_names[i]] = held_attr(&h, features, own_names[i])) == NULL) {
            goto fail;
        }
    }
    PyObject *own_day = candidates == NULL ? NULL : own[K_DAY];
    if (own_day == NULL) {
        goto fail;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(candidates);
    PyObject **sids = &PyTuple_GET_ITEM(candidates, 0);
    if (own_day != Py_None) {
        /* the candidates within the time window (online.in_window), in their order: an
         * out-of-window story never joins, and takes no place among those ranked. Kept in
         * a tuple of the same length, its unused end left empty (never seen by Python). */
        PyObject *within = hold(&h, PyTuple_New(n));
        if (within == NULL) {
            goto fail;
        }
        Py_ssize_t in = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *story = PyDict_GetItemWithError(stories, sids[i]);
            if (story == NULL) {
                if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, sids[i]);
                }
                goto fail;
            }
            Held each;
            each.n = 0;
            hold(&each, Py_NewRef(story));
            int apart = out_of_window(&each, own_day, story, args[6]);
            release(&each);
            if (apart < 0) {
                goto fail;
            }
            if (!apart) {
                PyTuple_SET_ITEM(within, in++, Py_NewRef(sids[i]));
            }
        }
        n = in;
        sids = &PyTuple_GET_ITEM(within, 0);
    }
    /* ranked: the ``count`` best by their text cosine (as the slice [:count] of them) where
     * there are more candidates, else all of them, their cosine unknown */
    Py_ssize_t ranked = n;
    if (n > count) {
        ranked = count < 0 ? (n + count > 0 ? n + count : 0) : count;
        cosines = PyMem_Malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
        order = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n > 0 ? n : 1));
        kept = PyMem_Calloc(2 * (size_t)(n > 0 ? n : 1), sizeof(PyObject *));
        kept_n = n;
        if (cosines == NULL || order == NULL || kept == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        if (text_cosines(NULL, NULL, side, sids, n, stories, df, idf, cosines, kept) < 0
                || best_of((const char *)cosines, sizeof(double), n, ranked, order) < 0) {
            goto fail;
        }
    }
    Judge judge = {features, side, own, own_day, stories, df, idf, args[5], args[6], args[7], &w, &m, bias, threshold};
    for (Py_ssize_t j = 0; j < ranked; j++) {
        PyObject *sid = sids[order == NULL ? j : order[j]];
        double margin;
        int read = order == NULL ? join_margin(&judge, sid, Py_None, NULL, NULL, &margin)
                                 : join_margin(&judge, sid, Py_None, &cosines[order[j]], &kept[2 * order[j]], &margin);
        if (read < 0) {
            goto fail;
        }
        if (read > 0 && margin >= best_margin) {
            best_margin = margin;
            Py_XSETREF(best, Py_NewRef(sid));
        }
    }
    release(&h);
    side_free(side);
    PyMem_Free(w);
    PyMem_Free(cosines);
    PyMem_Free(order);
    drop_kept(kept, kept_n);
    return best != NULL ? best : Py_NewRef(Py_None);
fail:
    release(&h);
    if (side != NULL) {
        side_free(side);
    }
    PyMem_Free(w);
    PyMem_Free(cosines);
    PyMem_Free(order);
    drop_kept(kept, kept_n);
    Py_XDECREF(best);
    return NULL;
}

/* setattr(obj, name, value), straight into the slot where ``name`` is a plain __slots__
 * member of obj's class (as slot_attr reads it); -1 with an exception set. */
static int slot_put(PyObject *obj, PyObject *name, PyObject *value) {
    PyTypeObject *type = Py_TYPE(obj);
    Py_ssize_t offset = type->tp_setattro == PyObject_GenericSetAttr ? plain_slot(type, name) : 0;
    if (offset != 0) {
        Py_XSETREF(*(PyObject **)((char *)obj + offset), Py_NewRef(value));
        return 0;
    }
    return PyObject_SetAttr(obj, name, value);
}

/* obj.<name> = obj.<name> + step (``+=``), step a new reference (NULL: failed already);
 * -1 with an exception set. */
static int add_to_attr(Held *h, PyObject *obj, int name, PyObject *step) {
    PyObject *old = step == NULL ? NULL : held_attr(h, obj, name);
    PyObject *sum = old == NULL ? NULL : PyNumber_InPlaceAdd(old, step);
    Py_XDECREF(step);
    int done = sum == NULL ? -1 : put_attr(obj, name, sum);
    Py_XDECREF(sum);
    return done;
}

/* counts[item] = counts.get(item, 0) + 1 for each item of ``items``, in their order (what
 * Counter.update does with an iterable that is no mapping); -1 with an exception set. */
static int count_each(PyObject *counts, PyObject *items) {
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "add_article: a story's counts must be a Counter");
        return -1;
    }
    PyObject *iter = PyObject_GetIter(items), *item, *one = PyLong_FromLong(1);
    if (iter == NULL || one == NULL) {
        Py_XDECREF(iter);
        Py_XDECREF(one);
        return -1;
    }
    int status = 0;
    while (status == 0 && (item = PyIter_Next(iter)) != NULL) {
        PyObject *count = PyDict_GetItemWithError(counts, item);
        PyObject *next = count != NULL ? PyNumber_Add(count, one) : PyErr_Occurred() ? NULL : Py_NewRef(one);
        status = next == NULL ? -1 : PyDict_SetItem(counts, item, next);
        Py_XDECREF(next);
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    Py_DECREF(one);
    return status < 0 || PyErr_Occurred() ? -1 : 0;
}

/* The story's own Counter of ``name`` (made where it holds the shared empty one), held;
 * NULL with an exception set. */
static PyObject *own_counts(Held *h, PyObject *story, int name) {
    PyObject *counts = held_attr(h, story, name);
    if (counts == NULL || counts != no_counts) {
        return counts;
    }
    PyTypeObject *counter = Py_TYPE(no_counts);
    counts = hold(h, counter->tp_new(counter, no_arguments, NULL)); /* Counter.__new__(Counter) */
    return counts == NULL || put_attr(story, name, counts) < 0 ? NULL : counts;
}

/* Whether ``counts`` is a Counter whose item assignment is dict's own: it is then
 * PyDict_SetItem, without the call through the __setitem__ that Counter's Python
 * __delitem__ makes the class's slot look up. */
static int sets_as_dict(PyObject *counts) {
    static PyObject *dict_setitem = NULL, *setitem_name = NULL; /* borrowed from dict's type; interned */
    if (setitem_name == NULL) {
        if ((setitem_name = PyUnicode_InternFromString("__setitem__")) == NULL) {
            PyErr_Clear();
            return 0;
        }
        dict_setitem = _PyType_Lookup(&PyDict_Type, setitem_name);
    }
    return Py_IS_TYPE(counts, Py_TYPE(no_counts)) && dict_setitem != NULL
           && _PyType_Lookup(Py_TYPE(counts), setitem_name) == dict_setitem;
}

PyDoc_STRVAR(add_article_doc,
"add_article(story, features, seen, df) -> None\n\n"
"StoryFeatures.add: one article's features added into a story's sums; with ``df`` (not\n"
"None), its cached norms updated in place (storyline.cluster.features).");

static PyObject *add_article(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "add_article takes 4 arguments");
        return NULL;
    }
    if (no_counts == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "add_article: no stream classes registered");
        return NULL;
    }
    PyObject *story = args[0], *features = args[1], *seen = args[2], *df = args[3];
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *norms = add_to_attr(&h, story, K_SIZE, PyLong_FromLong(1)) < 0 ? NULL : held_attr(&h, story, K_NORMS);
    if (norms == NULL) {
        goto fail;
    }
    if (!PyDict_Check(norms)) {
        PyErr_SetString(PyExc_TypeError, "add_article: a story's norm cache must be a dict");
        goto fail;
    }
    /* the norms are updated in place where cached and not yet outgrown (see fresh_norms_of) */
    PyObject *fresh = Py_None;
    if (df != Py_None) {
        PyObject *cached = PyDict_GetItemWithError(norms, kernel_str[K_N]);
        if (cached == NULL && PyErr_Occurred()) {
            goto fail;
        }
        if (cached != NULL && cached != Py_None) {
            hold(&h, Py_NewRef(cached)); /* the comparison may run Python code */
            PyObject *count = held_attr(&h, df, K_N);
            int stale = count == NULL ? -1 : outgrown(count, cached);
            if (stale < 0 || (!stale && (fresh = held_attr(&h, df, K_WEIGHTS)) == NULL)) {
                goto fail;
            }
        }
    }
    /* the sums of features._BAG_NAMES */
    static const int bag_names[6] = {K_TITLE, K_BODY, K_ALL, K_ALL, K_ENTITIES, K_YEARS};
    static const int story_bags[6] = {K_TITLE, K_BODY, K_ALL, K_ALL, K_ENTITIES, K_YEAR_BAG};
    static const int article_parts[6] = {K_TITLE, K_BODY, K_TITLE, K_BODY, K_ENTITIES, K_YEARS};
    PyObject *names[6], *bags[6], *parts[6];
    for (int i = 0; i < 6; i++) {
        names[i] = kernel_str[bag_names[i]];
        if ((bags[i] = held_attr(&h, story, story_bags[i])) == NULL
                || (parts[i] = held_attr(&h, features, article_parts[i])) == NULL) {
            goto fail;
        }
    }
    PyObject *kinds = held_attr(&h, story, K_KINDS);
    PyObject *entities = kinds == NULL ? NULL : held_attr(&h, features, K_ENTITIES);
    if (entities == NULL) {
        goto fail;
    }
    if (!PyDict_Check(kinds) || !PyDict_Check(entities)) {
        PyErr_SetString(PyExc_TypeError, "add_article: kinds and entities must be dicts");
        goto fail;
    }
    if (add_bags_of(norms, fresh, 6, names, bags, parts, kinds, entities) < 0) {
        goto fail;
    }
    /* numbers, weekdays and months, counted where the article gives some (most give none) */
    static const int counted[3] = {K_NUMBERS, K_WEEKDAYS, K_MONTHS};
    for (int i = 0; i < 3; i++) {
        PyObject *own = held_attr(&h, features, counted[i]);
        int some = own == NULL ? -1 : PyObject_IsTrue(own);
        PyObject *counts = some > 0 ? own_counts(&h, story, counted[i]) : NULL;
        if (some < 0 || (some > 0 && (counts == NULL || count_each(counts, own) < 0))) {
            goto fail;
        }
    }
    PyObject *day = held_attr(&h, features, K_DAY);
    if (day == NULL) {
        goto fail;
    }
    if (day != Py_None) {
        if (add_to_attr(&h, story, K_DAY_SUM, Py_NewRef(day)) < 0
                || add_to_attr(&h, story, K_DAY_N, PyLong_FromLong(1)) < 0) {
            goto fail;
        }
        PyObject *first = hold(&h, slot_attr(story, first_day_name));
        int earlier = first == NULL ? -1 : first == Py_None ? 1 : PyObject_RichCompareBool(day, first, Py_LT);
        if (earlier < 0 || (earlier && slot_put(story, first_day_name, day) < 0)) {
            goto fail;
        }
        PyObject *last = held_attr(&h, story, K_LAST_DAY);
        int later = last == NULL ? -1 : last == Py_None ? 1 : PyObject_RichCompareBool(day, last, Py_GT);
        if (later < 0 || (later && put_attr(story, K_LAST_DAY, day) < 0)) {
            goto fail;
        }
    }
    /* story.years[year] += 1 (a Counter: 0 where missing) */
    PyObject *year = hold(&h, slot_attr(features, year_name));
    if (year == NULL) {
        goto fail;
    }
    if (year != Py_None) {
        PyObject *years = held_attr(&h, story, K_YEARS);
        if (years == NULL) {
            goto fail;
        }
        PyObject *count;
        if (Py_IS_TYPE(years, Py_TYPE(no_counts))) {
            count = PyDict_GetItemWithError(years, year);
            count = count != NULL ? Py_NewRef(count) : PyErr_Occurred() ? NULL : PyLong_FromLong(0);
        } else {
            count = PyObject_GetItem(years, year);
        }
        PyObject *one = count == NULL ? NULL : hold(&h, PyLong_FromLong(1));
        PyObject *next = one == NULL ? NULL : hold(&h, PyNumber_InPlaceAdd(hold(&h, count), one));
        if (next == NULL || (sets_as_dict(years) ? PyDict_SetItem(years, year, next)
                                                  : PyObject_SetItem(years, year, next)) < 0) {
            goto fail;
        }
    }
    PyObject *embedding = hold(&h, slot_attr(features, embedding_name));
    if (embedding == NULL) {
        goto fail;
    }
    if (embedding != Py_None && hold(&h, PyObject_CallMethodOneArg(story, add_embedding_name, embedding)) == NULL) {
        goto fail;
    }
    PyObject *last_seen = hold(&h, slot_attr(story, last_seen_name));
    int newer = last_seen == NULL ? -1 : PyObject_RichCompareBool(seen, last_seen, Py_GT);
    if (newer < 0 || (newer && slot_put(story, last_seen_name, seen) < 0)) {
        goto fail;
    }
    release(&h);
    Py_RETURN_NONE;
fail:
    release(&h);
    return NULL;
}

/* IDF weights are recomputed after the corpus grows by this factor, plus 10
 * (features.IDF_REFRESH_GROWTH) */
#define IDF_REFRESH_GROWTH 1.1

/* Whether a corpus of ``count`` documents has outgrown IDF weights cached at ``cached``:
 * count > IDF_REFRESH_GROWTH * cached + 10, as Python compares them. */
static int idf_outgrown(PyObject *count, PyObject *cached) {
    return grown_past(count, cached, IDF_REFRESH_GROWTH, 10);
}

PyDoc_STRVAR(count_article_doc,
"count_article(df, features) -> None\n\n"
"DocumentFrequencies.add: one more document, its title, body, entity and year terms\n"
"counted once each, and the IDF weights emptied once the corpus has outgrown them\n"
"(storyline.cluster.features).");

static PyObject *count_article(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "count_article takes 2 arguments");
        return NULL;
    }
    if (no_arguments == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "count_article: no stream classes registered");
        return NULL;
    }
    PyObject *df = args[0], *features = args[1];
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    if (add_to_attr(&h, df, K_N, PyLong_FromLong(1)) < 0) {
        goto fail;
    }
    PyObject *counts = hold(&h, slot_attr(df, df_name));
    if (counts == NULL) {
        goto fail;
    }
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "count_article: the document frequencies must be a dict");
        goto fail;
    }
    static const int bag_names[4] = {K_TITLE, K_BODY, K_ENTITIES, K_YEARS};
    PyObject *bags[4];
    for (int i = 0; i < 4; i++) {
        if ((bags[i] = held_attr(&h, features, bag_names[i])) == NULL) {
            goto fail;
        }
    }
    if (count_terms_of(counts, bags, 4) < 0) {
        goto fail;
    }
    PyObject *n = held_attr(&h, df, K_N);
    PyObject *cached = n == NULL ? NULL : hold(&h, slot_attr(df, n_cached_name));
    int stale = cached == NULL ? -1 : idf_outgrown(n, cached);
    if (stale < 0) {
        goto fail;
    }
    if (stale) {
        PyObject *weights = held_attr(&h, df, K_WEIGHTS);
        PyObject *epoch = weights == NULL || hold(&h, PyObject_CallMethodNoArgs(weights, clear_name)) == NULL
                          || slot_put(df, n_cached_name, n) < 0 ? NULL : hold(&h, slot_attr(df, epoch_name));
        PyObject *one = epoch == NULL ? NULL : hold(&h, PyLong_FromLong(1));
        PyObject *next = one == NULL ? NULL : hold(&h, PyNumber_InPlaceAdd(epoch, one));
        if (next == NULL || slot_put(df, epoch_name, next) < 0) {
            goto fail;
        }
    }
    release(&h);
    Py_RETURN_NONE;
fail:
    release(&h);
    return NULL;
}

/* ---- Refinement's story views (references: story_keys, text_norms and story_shares_words
 * in storyline/cluster/refine.py): a story's index keys, and what the linkage pass reads of
 * it. That pass asks shares_words of a story read as one long article (refine.as_article,
 * its text-only vectors) and another story; here without the article's weighted vectors:
 * as in the merge pass's loops above, each value of such a vector is computed where
 * story_cosine would read it (the title + body one's, where a term is in both, as
 * fill_vectors sums it), so every product and the order of every sum are the ones
 * shares_words makes of the vectors; only their norms are computed ahead (once for each
 * version of a story). ---- */

/* The norms of a story's text-only vectors read as an article, and how many terms its
 * title + body vector holds. */
typedef struct {
    double title, body, all;
    Py_ssize_t all_terms;
} TextNorms;

/* A bag's value for ``term`` as a double, *found 0 where it has none; -1 with an
 * exception set. */
static int bag_value(PyObject *bag, PyObject *term, double *value, int *found) {
    PyObject *v = PyDict_GetItemWithError(bag, term);
    *found = v != NULL;
    if (v == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    *value = float_of(v);
    return FAILED(*value) ? -1 : 0;
}

/* The value fill_vectors gives ``term`` in the title + body vector of an article whose
 * body weighs it ``body_weight`` (where ``in_body``) and whose title weighs it
 * ``title_weight`` (where ``in_title``), its IDF ``weight``. */
static double all_value(int in_body, double body_weight, int in_title, double title_weight, double weight) {
    if (in_body && in_title) {
        return (body_weight + title_weight) * weight;
    }
    return (in_body ? body_weight : title_weight) * weight;
}

/* The TextNorms of story ``story``; -1 with an exception set. */
static int text_norms_of(Held *h, PyObject *story, PyObject *idf, TextNorms *out) {
    PyObject *title = held_attr(h, story, K_TITLE);
    PyObject *body = title == NULL ? NULL : held_attr(h, story, K_BODY);
    if (body == NULL) {
        return -1;
    }
    if (!PyDict_Check(title) || !PyDict_Check(body)) {
        PyErr_SetString(PyExc_TypeError, "text_norms: a bag must be a dict");
        return -1;
    }
    Sum own_title = {0.0, 0.0}, own_body = {0.0, 0.0}, all = {0.0, 0.0};
    if (weighted_squares(title, idf, &own_title, NULL, NULL) < 0) {
        return -1;
    }
    out->title = norm_of(&own_title);
    if (PyDict_GET_SIZE(body) == 0) {
        /* a headline's title + body vector is its title vector */
        out->body = 1.0;
        out->all = out->title;
        out->all_terms = PyDict_GET_SIZE(title);
        return 0;
    }
    /* title + body: the body's terms in its order (with the title's weight added where
     * the title has the term), then the title's own */
    Py_ssize_t title_only = 0;
    for (int pass = 0; pass < 2; pass++) {
        PyObject *walked = pass == 0 ? body : title, *other = pass == 0 ? title : body;
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(walked);
        PyObject *term, *value;
        while (PyDict_Next(walked, &pos, &term, &value)) {
            Py_INCREF(term);
            Py_INCREF(value);
            double w, weight, other_weight = 0.0;
            int in_other = 0;
            int status = bag_value(other, term, &other_weight, &in_other);
            if (status == 0 && !(pass == 1 && in_other)) {
                status = weight_and_idf(idf, term, value, &w, &weight);
                if (status == 0) {
                    double v = pass == 0 ? all_value(1, w, in_other, other_weight, weight) : w * weight;
                    sum_add(&all, v * v);
                    if (pass == 0) {
                        double b = w * weight;
                        sum_add(&own_body, b * b);
                    } else {
                        title_only++;
                    }
                }
            }
            Py_DECREF(term);
            Py_DECREF(value);
            if (status < 0 || walk_changed(walked, size) < 0) {
                return -1;
            }
        }
    }
    out->body = norm_of(&own_body);
    out->all = norm_of(&all);
    out->all_terms = PyDict_GET_SIZE(body) + title_only;
    return 0;
}

/* story_cosine of the title + body vector of an article (``title``, ``body``: its bags;
 * ``own``: its TextNorms) and the story bag ``other`` (its norm cached in ``norms`` under
 * "all"): the smaller walked as shared_dot walks it. -1 with an exception set. */
static int all_cosine(PyObject *title, PyObject *body, const TextNorms *own, PyObject *other, PyObject *norms,
                      PyObject *idf, double *out) {
    if (!PyDict_Check(other)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: a bag must be a dict");
        return -1;
    }
    double other_norm = cached_norm(norms, kernel_str[K_ALL], other, idf);
    if (FAILED(other_norm)) {
        return -1;
    }
    Sum s = {0.0, 0.0};
    int any = 0;
    if (own->all_terms <= PyDict_GET_SIZE(other)) {
        /* the vector walked, in its order: the body's terms, then the title's own */
        for (int pass = 0; pass < 2; pass++) {
            PyObject *walked = pass == 0 ? body : title, *beside = pass == 0 ? title : body;
            Py_ssize_t pos = 0, size = PyDict_GET_SIZE(walked);
            PyObject *term, *value;
            while (PyDict_Next(walked, &pos, &term, &value)) {
                Py_INCREF(term);
                Py_INCREF(value);
                double beside_weight = 0.0, w = 0.0, own_weight, weight;
                int in_beside = 0, shared = 0;
                int status = bag_value(beside, term, &beside_weight, &in_beside);
                if (status == 0 && !(pass == 1 && in_beside)) {
                    status = bag_value(other, term, &w, &shared);
                }
                if (status == 0 && shared && !(pass == 1 && in_beside)) {
                    status = weight_and_idf(idf, term, value, &own_weight, &weight);
                    if (status == 0) {
                        double v = pass == 0 ? all_value(1, own_weight, in_beside, beside_weight, weight)
                                             : own_weight * weight;
                        sum_add(&s, v * w * weight);
                        any = 1;
                    }
                }
                Py_DECREF(term);
                Py_DECREF(value);
                if (status < 0 || walk_changed(walked, size) < 0) {
                    return -1;
                }
            }
        }
    } else {
        /* the story bag walked, the vector's value computed for each term it shares */
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(other);
        PyObject *term, *value;
        while (PyDict_Next(other, &pos, &term, &value)) {
            Py_INCREF(term);
            Py_INCREF(value);
            double body_weight = 0.0, title_weight = 0.0, v, weight;
            int in_body = 0, in_title = 0;
            int status = bag_value(body, term, &body_weight, &in_body);
            if (status == 0) {
                status = bag_value(title, term, &title_weight, &in_title);
            }
            if (status == 0 && (in_body || in_title)) {
                status = weight_and_idf(idf, term, value, &v, &weight);
                if (status == 0) {
                    sum_add(&s, v * all_value(in_body, body_weight, in_title, title_weight, weight) * weight);
                    any = 1;
                }
            }
            Py_DECREF(term);
            Py_DECREF(value);
            if (status < 0 || walk_changed(other, size) < 0) {
                return -1;
            }
        }
    }
    double total = sum_result(&s);
    *out = any && total != 0.0 ? total / (own->all * other_norm) : 0.0;
    return 0;
}

/* The TextNorms that text_norms gave as a tuple; -1 with an exception set. */
static int text_norms_of_tuple(PyObject *tuple, TextNorms *out) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 4) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: norms must be a text_norms tuple");
        return -1;
    }
    double values[3];
    for (int i = 0; i < 3; i++) {
        values[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, i));
        if (FAILED(values[i])) {
            return -1;
        }
    }
    out->title = values[0];
    out->body = values[1];
    out->all = values[2];
    out->all_terms = PyLong_AsSsize_t(PyTuple_GET_ITEM(tuple, 3));
    return out->all_terms == -1 && PyErr_Occurred() ? -1 : 0;
}

/* Puts each key of dict ``keys`` into tuple ``out`` from ``at`` on (no Python code runs
 * meanwhile: ``out`` was made to fit); returns the next free place. */
static Py_ssize_t put_keys(PyObject *out, Py_ssize_t at, PyObject *keys) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(keys, &pos, &key, &value)) {
        PyTuple_SET_ITEM(out, at++, Py_NewRef(key));
    }
    return at;
}

PyDoc_STRVAR(story_keys_doc,
"story_keys(story, most) -> tuple\n\n"
"A StoryFeatures' index keys: its title terms, its names, then those of the ``most``\n"
"heaviest of its body terms (ties in body order) that are not title terms\n"
"(storyline.cluster.refine).");

static PyObject *story_keys(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "story_keys takes 2 arguments");
        return NULL;
    }
    Py_ssize_t most = PyLong_AsSsize_t(args[1]);
    if ((most == -1 && PyErr_Occurred()) || kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *title = held_attr(&h, args[0], K_TITLE);
    PyObject *body = title == NULL ? NULL : held_attr(&h, args[0], K_BODY);
    PyObject *entities = body == NULL ? NULL : held_attr(&h, args[0], K_ENTITIES);
    if (entities == NULL) {
        release(&h);
        return NULL;
    }
    if (!PyDict_Check(title) || !PyDict_Check(body) || !PyDict_Check(entities)) {
        PyErr_SetString(PyExc_TypeError, "story_keys: a story's bags must be dicts");
        release(&h);
        return NULL;
    }
    /* the body's terms by weight, the heaviest first (largest's order), each held: reading
     * a weight may run Python code */
    Py_ssize_t n = PyDict_GET_SIZE(body), pos = 0, i = 0, kept = 0;
    /* the first ``most`` of them, as a slice takes them (a negative ``most`` leaves off
     * that many at the end) */
    Py_ssize_t count = most < 0 ? (n + most > 0 ? n + most : 0) : most < n ? most : n;
    RankedTerm *ranked = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(RankedTerm));
    Py_ssize_t *order = PyMem_Malloc((size_t)(count > 0 ? count : 1) * sizeof(Py_ssize_t));
    PyObject *term, *weight, *out = NULL;
    if (ranked == NULL || order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    while (i < n && PyDict_Next(body, &pos, &term, &weight)) {
        ranked[i].term = Py_NewRef(term);
        ranked[i].weight = Py_NewRef(weight);
        i++;
    }
    for (Py_ssize_t k = 0; k < i; k++) {
        ranked[k].score = PyFloat_AsDouble(ranked[k].weight);
        if (FAILED(ranked[k].score)) {
            goto done;
        }
    }
    if (best_of((const char *)&ranked[0].score, sizeof(RankedTerm), i, count, order) < 0) {
        goto done;
    }
    /* each key once: title terms and names never meet, body terms may repeat title terms */
    for (Py_ssize_t k = 0; k < count; k++) {
        int in_title = PyDict_Contains(title, ranked[order[k]].term);
        if (in_title < 0) {
            goto done;
        }
        if (!in_title) {
            order[kept++] = order[k];
        }
    }
    Py_ssize_t own = PyDict_GET_SIZE(title) + PyDict_GET_SIZE(entities);
    out = PyTuple_New(own + kept);
    /* making it may run a collection, and finalizers (Python code) with it */
    if (out != NULL && PyDict_GET_SIZE(title) + PyDict_GET_SIZE(entities) != own) {
        PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
        Py_CLEAR(out);
    }
    if (out != NULL) {
        put_keys(out, put_keys(out, 0, title), entities);
        for (Py_ssize_t k = 0; k < kept; k++) {
            PyTuple_SET_ITEM(out, own + k, Py_NewRef(ranked[order[k]].term));
        }
    }
done:
    for (Py_ssize_t k = 0; k < i; k++) {
        Py_DECREF(ranked[k].term);
        Py_DECREF(ranked[k].weight);
    }
    PyMem_Free(ranked);
    PyMem_Free(order);
    release(&h);
    return out;
}

PyDoc_STRVAR(text_norms_doc,
"text_norms(story, df) -> tuple\n\n"
"The norms of a StoryFeatures' text-only vectors read as an article (title, body,\n"
"title + body) and the terms of its title + body vector (storyline.cluster.refine).");

static PyObject *text_norms(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "text_norms takes 2 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    TextNorms norms;
    PyObject *out = NULL;
    PyObject *idf = held_attr(&h, args[1], K_WEIGHTS);
    if (idf != NULL && !PyDict_Check(idf)) {
        PyErr_SetString(PyExc_TypeError, "text_norms: the IDF weights must be a dict");
    } else if (idf != NULL && text_norms_of(&h, args[0], idf, &norms) == 0) {
        out = Py_BuildValue("(dddn)", norms.title, norms.body, norms.all, norms.all_terms);
    }
    release(&h);
    return out;
}

PyDoc_STRVAR(story_shares_words_doc,
"story_shares_words(a, norms_a, b, df, floor) -> bool\n\n"
"shares_words of StoryFeatures ``a`` read as an article (of text_norms ``norms_a``) and\n"
"StoryFeatures ``b`` (storyline.cluster.refine).");

static PyObject *story_shares_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words takes 5 arguments");
        return NULL;
    }
    PyObject *a = args[0], *b = args[2], *df = args[3];
    double floor = PyFloat_AsDouble(args[4]);
    TextNorms own;
    if (FAILED(floor) || text_norms_of_tuple(args[1], &own) < 0 || kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *idf = held_attr(&h, df, K_WEIGHTS);
    PyObject *norms = idf == NULL ? NULL : hold(&h, story_norms(b, df));
    PyObject *title = norms == NULL ? NULL : held_attr(&h, a, K_TITLE);
    PyObject *body = title == NULL ? NULL : held_attr(&h, a, K_BODY);
    PyObject *other_title = body == NULL ? NULL : held_attr(&h, b, K_TITLE);
    PyObject *other_all = other_title == NULL ? NULL : held_attr(&h, b, K_ALL);
    if (other_all == NULL) {
        goto fail;
    }
    if (!PyDict_Check(idf) || !PyDict_Check(norms) || !PyDict_Check(title) || !PyDict_Check(body)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: the IDF weights, the norms and the bags must be dicts");
        goto fail;
    }
    if (!PyDict_Check(other_title)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: a bag must be a dict");
        goto fail;
    }
    /* title, title + body, then body (where both have one), as shares_words tries them */
    double title_norm = cached_norm(norms, kernel_str[K_TITLE], other_title, idf), title_dot;
    int title_any;
    if (FAILED(title_norm)
            || weighted_dot_of(title, -1, PyDict_GET_SIZE(title), other_title, idf, &title_dot, &title_any) < 0) {
        goto fail;
    }
    double cosine = cosine_from(title_dot, title_any, own.title, title_norm);
    int meet = cosine >= floor;
    if (!meet) {
        /* a's title + body vector is its title vector where it has no body (walked the same
         * way where it has as many terms): where b's title + body bag is its title bag item
         * for item, all_cosine would walk the title cosine's terms again and sum the same
         * products (only its norms differ). The check walks b's title twice, cheaper than
         * that walk's lookups where b's title is not much longer than a's. */
        Py_ssize_t terms = PyDict_GET_SIZE(title);
        if (PyDict_GET_SIZE(body) == 0 && own.all_terms == terms && PyDict_GET_SIZE(other_title) <= 2 * terms
                && same_bag(other_title, other_all)) {
            double all_norm = cached_norm(norms, kernel_str[K_ALL], other_all, idf);
            if (FAILED(all_norm)) {
                goto fail;
            }
            cosine = cosine_from(title_dot, title_any, own.all, all_norm);
        } else if (all_cosine(title, body, &own, other_all, norms, idf, &cosine) < 0) {
            goto fail;
        }
        meet = cosine >= floor;
    }
    if (!meet && PyDict_GET_SIZE(body) > 0) {
        PyObject *other_body = held_attr(&h, b, K_BODY);
        int bodied = other_body == NULL ? -1 : PyObject_IsTrue(other_body);
        if (bodied < 0 || (bodied && weighted_cosine(body, -1, PyDict_GET_SIZE(body), own.body, other_body, norms,
                                                     kernel_str[K_BODY], idf, &cosine) < 0)) {
            goto fail;
        }
        meet = bodied && cosine >= floor;
    }
    release(&h);
    return PyBool_FromLong(meet);
fail:
    release(&h);
    return NULL;
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
    /* featurize in one call */
    {"article_features", (PyCFunction)(void (*)(void))article_features, METH_FASTCALL, article_features_doc},
    {"featurize", (PyCFunction)featurize, METH_O, featurize_doc},
    {"register_featurize", (PyCFunction)(void (*)(void))register_featurize, METH_FASTCALL, register_featurize_doc},
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
    /* the stream's bookkeeping */
    {"add_bags", add_bags, METH_VARARGS, add_bags_doc},
    {"count_terms", count_terms, METH_VARARGS, count_terms_doc},
    {"best_terms", best_terms, METH_VARARGS, best_terms_doc},
    /* refinement's article pairs */
    {"pair_probability", (PyCFunction)(void (*)(void))pair_probability, METH_FASTCALL, pair_probability_doc},
    {"mean_probability", (PyCFunction)(void (*)(void))mean_probability, METH_FASTCALL, mean_probability_doc},
    {"shares_words", (PyCFunction)(void (*)(void))shares_words, METH_FASTCALL, shares_words_doc},
    /* the stream's join decision */
    {"register_stream", (PyCFunction)(void (*)(void))register_stream, METH_FASTCALL, register_stream_doc},
    {"decide", (PyCFunction)(void (*)(void))decide, METH_FASTCALL, decide_doc},
    {"add_article", (PyCFunction)(void (*)(void))add_article, METH_FASTCALL, add_article_doc},
    {"count_article", (PyCFunction)(void (*)(void))count_article, METH_FASTCALL, count_article_doc},
    /* refinement's story views */
    {"story_keys", (PyCFunction)(void (*)(void))story_keys, METH_FASTCALL, story_keys_doc},
    {"text_norms", (PyCFunction)(void (*)(void))text_norms, METH_FASTCALL, text_norms_doc},
    {"story_shares_words", (PyCFunction)(void (*)(void))story_shares_words, METH_FASTCALL, story_shares_words_doc},
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
    /* the clusterer's inverted index */
    if (PyType_Ready(&KeyIndexType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddObjectRef(m, "KeyIndex", (PyObject *)&KeyIndexType) < 0) {
        Py_CLEAR(m);
    }
    return m;
}
