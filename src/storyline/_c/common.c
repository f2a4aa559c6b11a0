/* common.c: the helpers every later part uses (part of the unity build in ../_speedups.c,
 * not compiled on its own). Sum, a running float sum that adds as builtins.sum does; a
 * class's plain __slots__ member read without getattr's lookups (plain_slot, slot_attr,
 * SlotSite); an IDF read from a dict, from the clusterer's IDF cache (missing terms
 * computed as its __missing__ computes them: computed_idf) or from terms.c's table (read
 * inline: idf_of); float_of and FAILED. Then the scoring
 * kernel's attribute names (K_*, interned by kernel_ready), Held (the new references a call
 * holds, released together) and held_attr, which reads those names from the slots of
 * ArticleVectors and StoryFeatures; compare.c, refine.c and stream.c read through them.
 * Python: storyline/cluster/features.py (_IdfCache, ArticleVectors, StoryFeatures).
 * Uses no other part (terms.c's table is declared here, defined there). */

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

/* What a plain slot of obj's class holds in obj (borrowed), read through a site that learns
 * obj's class where it does not know it as it is now; NULL, with no exception set, where
 * the class keeps no such slot (or has its own getattr) or the slot is unset: the caller
 * then reads the attribute as its reference does. For reads whose reference must see the
 * same object each time (a slot holds one until it is set again). */
static PyObject *site_slot(SlotSite *site, PyObject *obj, PyObject *name) {
    PyObject *value = site_peek(site, obj);
    PyTypeObject *type = Py_TYPE(obj);
    if (value != NULL || type->tp_getattro != PyObject_GenericGetAttr
            || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)
            || (type == site->type && site->version == type->tp_version_tag)) {
        return value; /* read, or learnt as no slot (or unset here) */
    }
    Py_ssize_t offset = plain_slot(type, name);
    if (!PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return NULL;
    }
    Py_XSETREF(site->type, (PyTypeObject *)Py_NewRef(type));
    site->version = type->tp_version_tag;
    site->offset = offset;
    return offset != 0 ? *(PyObject **)((char *)obj + offset) : NULL;
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
static double idf_missing(PyObject *idf, PyObject *term);

/* terms.c's IDF table (DocumentFrequencies.weights where compiled), read inline */
static PyTypeObject TermTableType;
static inline double term_table_idf(PyObject *table, PyObject *term);
static inline uint64_t term_table_version(PyObject *table);

static inline int is_term_table(PyObject *idf) {
    return Py_IS_TYPE(idf, &TermTableType);
}

/* An IDF mapping the C loops read without Python code of its own: a dict, or the table. */
static inline int idf_mapping(PyObject *idf) {
    return PyDict_Check(idf) || is_term_table(idf);
}

static inline double idf_of(PyObject *idf, PyObject *term) {
    if (is_term_table(idf)) {
        return term_table_idf(idf, term);
    }
    PyObject *value = PyDict_GetItemWithError(idf, term);
    if (value != NULL) {
        return float_of(value);
    }
    return PyErr_Occurred() ? -1.0 : idf_missing(idf, term);
}

/* idf_of for a term its lookup did not find. */
static double idf_missing(PyObject *idf, PyObject *term) {
    PyObject *value;
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
