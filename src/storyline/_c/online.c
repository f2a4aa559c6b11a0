/* online.c: the stream's step for one article in one call (part of the unity build in
 * ../_speedups.c, not compiled on its own): add_to_stream, OnlineClusterer.add_features'
 * sequence (arrival count, prune test, _decide, the story id, count_article, _attach and
 * _story, the label, the latest day, the expiry test) without the Python frames of the
 * clusterer's methods, calling stream.c's retrieve_and_decide, count_article and
 * add_article and keyindex.c's KeyIndex_file through their entry points.
 * Python: storyline/cluster/online.py (add_to_stream, the reference, and OnlineClusterer).
 *
 * It runs only what it can run as the reference would, else it calls the reference: the
 * clusterer's class must keep OnlineClusterer's _decide, _attach and _story (a subclass
 * that overrides one is run by the reference) and have no class attribute of a name it
 * reads from the instance dict (no property stands in front of it), the instance no
 * method of its own by those names, online.py's retrieve_and_decide, count_article and
 * add_article must be the compiled ones (tests and the bench swap in the references), and
 * a headline with an embedding goes to _best_semantic's Python. What it reads at each step
 * is what the reference reads there, so a missing attribute fails where it fails there.
 * Uses common.c, keyindex.c and stream.c. */

/* The clusterer attributes read from its instance dict, and the other names, interned. */
enum {
    G_ARRIVALS, G_DF, G_STORIES, G_MEMBERS, G_LABELS, G_INDEX, G_EXPIRY, G_NEXT_ID, G_LATEST_DAY,
    G_MIN_IDLE, G_MAX_CANDIDATES, G_WINDOW_DAYS, G_THRESHOLD, G_MIN_TEXT_COSINE, G_HEADLINE_THRESHOLD,
    G_HEADLINE_MIN_TEXT_COSINE, G_WEIGHTS_ATTR, G_BIAS_ATTR, G_HEADLINE_WEIGHTS_ATTR, G_HEADLINE_BIAS_ATTR,
    G_INSTANCE_COUNT, /* the names above are instance attributes */
    G_DECIDE = G_INSTANCE_COUNT, G_ATTACH, G_STORY, G_EXPIRE, G_DETACH, G_METHOD_END, /* the methods checked */
    G_KEYS = G_METHOD_END, G_LAST_SEEN, G_LAST_DAY, G_HEAPPOP, G_UNFILE, G_ID, G_EMBEDDING, G_RETRIEVE_AND_DECIDE, G_COUNT_ARTICLE, G_ADD_ARTICLE,
    G_KEEP_BODY_TERMS, G_MAX_KEY_SHARE, G_FULL_COMPARE, G_PRUNE, G_STORY_FEATURES, G_HEAPQ, G_HEAPPUSH,
    G_WEIGHTS_MODULE, G_WEIGHTS, G_BIAS, G_HEADLINE_WEIGHTS, G_HEADLINE_BIAS, G_APPEND, G_FILE, G_COUNT
};
static const char *const glue_names[G_COUNT] = {
    "_arrivals", "df_", "stories_", "members_", "labels_", "_index", "_expiry", "_next_id", "_latest_day",
    "min_idle_arrivals", "max_candidates", "window_days", "threshold", "min_text_cosine", "headline_threshold",
    "headline_min_text_cosine", "weights", "bias", "headline_weights", "headline_bias",
    "_decide", "_attach", "_story", "_expire", "_detach",
    "keys", "last_seen", "last_day", "heappop", "unfile", "id", "embedding", "retrieve_and_decide", "count_article", "add_article",
    "KEEP_BODY_TERMS", "MAX_KEY_SHARE", "FULL_COMPARE", "prune", "StoryFeatures", "heapq", "heappush",
    "_weights", "WEIGHTS", "BIAS", "HEADLINE_WEIGHTS", "HEADLINE_BIAS", "append", "file",
};
static PyObject *glue_str[G_COUNT];

/* What a dict held at a version of it: the values read since (borrowed: a dict that keeps
 * its version still holds them), by the caller's slot; where the version has moved, or
 * it is another dict, the slots are read again. The clusterer's instance dict changes only
 * where it is written (the steps write it through glue_put, which keeps the slots), and
 * online.py's globals almost never, so most reads are no lookup. Python 3.11's dicts carry
 * the version (PEP 509); from 3.12 it is deprecated, and every read looks up. */
static char glue_absent_mark;
#define GLUE_ABSENT ((PyObject *)&glue_absent_mark) /* a slot read and found missing (never dereferenced) */
typedef struct {
    PyObject *dict;
    uint64_t version;
    PyObject *value[G_COUNT];
} DictSlots;
static DictSlots glue_instance_slots, glue_global_slots, glue_weights_slots;

#if PY_VERSION_HEX < 0x030C0000
#define GLUE_VERSIONS 1
static inline uint64_t glue_version(PyObject *dict) {
    return ((PyDictObject *)dict)->ma_version_tag;
}
#else
#define GLUE_VERSIONS 0
#endif

/* dict[glue_str[name]] (borrowed), NULL where it is missing (an exception set only on
 * failure), through the slots where the dict is unchanged since they were read. */
static inline PyObject *slots_get(DictSlots *slots, PyObject *dict, int name) {
#if GLUE_VERSIONS
    uint64_t version = glue_version(dict);
    if (slots->dict == dict && slots->version == version) {
        PyObject *known = slots->value[name];
        if (known != NULL) {
            return known == GLUE_ABSENT ? NULL : known;
        }
    } else {
        memset(slots, 0, sizeof *slots);
        slots->dict = dict;
        slots->version = version;
    }
    PyObject *value = PyDict_GetItemWithError(dict, glue_str[name]);
    /* kept where the lookup ran no code that changed the dict (a key's __eq__ may) */
    if ((value != NULL || !PyErr_Occurred()) && glue_version(dict) == version) {
        slots->value[name] = value == NULL ? GLUE_ABSENT : value;
    }
    return value;
#else
    (void)slots;
    return PyDict_GetItemWithError(dict, glue_str[name]);
#endif
}

/* dict[glue_str[name]] = value, the slots kept where they were current: the one written
 * now reads ``value``. Only where the value replaced runs no code when released (an int,
 * None, or no value): the steps write counters and days. 0, or -1 with an exception set. */
static int slots_put(DictSlots *slots, PyObject *dict, int name, PyObject *value) {
#if GLUE_VERSIONS
    int current = slots->dict == dict && slots->version == glue_version(dict);
    PyObject *old = current && slots->value[name] != NULL ? slots->value[name] : slots_get(slots, dict, name);
    if (old == NULL && PyErr_Occurred()) {
        return -1;
    }
    current = current && (old == NULL || old == GLUE_ABSENT || old == Py_None || PyLong_CheckExact(old));
    if (PyDict_SetItem(dict, glue_str[name], value) < 0) {
        return -1;
    }
    if (current) {
        slots->version = glue_version(dict);
        slots->value[name] = value;
    }
    return 0;
#else
    (void)slots;
    return PyDict_SetItem(dict, glue_str[name], value);
#endif
}

/* What register_stream_glue gave: online.py's globals, the reference, OnlineClusterer and
 * its methods (strong references). */
static PyObject *glue_globals = NULL, *glue_reference = NULL, *glue_base = NULL;
static PyObject *glue_methods[G_METHOD_END - G_DECIDE];

/* The last class found fit, at its version (a class changed since is checked again). */
static PyTypeObject *glue_fit_type = NULL; /* a strong reference */
static unsigned int glue_fit_version = 0;

PyDoc_STRVAR(register_stream_glue_doc,
"register_stream_glue(globals, reference, base) -> None\n\n"
"add_to_stream reads online.py's ``globals``, calls ``reference`` where it cannot run an\n"
"article itself, and runs the classes whose _decide, _attach and _story are ``base``'s.");

static PyObject *register_stream_glue(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyDict_Check(args[0]) || !PyCallable_Check(args[1]) || !PyType_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "register_stream_glue takes a dict, a function and a class");
        return NULL;
    }
    for (int i = 0; i < G_COUNT; i++) {
        if (glue_str[i] == NULL && (glue_str[i] = PyUnicode_InternFromString(glue_names[i])) == NULL) {
            return NULL;
        }
    }
    PyObject *methods[G_METHOD_END - G_DECIDE] = {NULL};
    for (int i = G_DECIDE; i < G_METHOD_END; i++) {
        if ((methods[i - G_DECIDE] = PyObject_GetAttr(args[2], glue_str[i])) == NULL) {
            for (int k = G_DECIDE; k < i; k++) {
                Py_DECREF(methods[k - G_DECIDE]);
            }
            return NULL;
        }
    }
    for (int i = G_DECIDE; i < G_METHOD_END; i++) {
        Py_XSETREF(glue_methods[i - G_DECIDE], methods[i - G_DECIDE]);
    }
    Py_XSETREF(glue_globals, Py_NewRef(args[0]));
    Py_XSETREF(glue_reference, Py_NewRef(args[1]));
    Py_XSETREF(glue_base, Py_NewRef(args[2]));
    Py_CLEAR(glue_fit_type);
    Py_RETURN_NONE;
}

/* Whether a clusterer of this class can be run here: the generic attribute access, the
 * base's methods, and no class attribute by an instance attribute's name. 1, 0, or -1
 * with an exception set. */
static int glue_class_fits(PyTypeObject *type) {
    if (type == glue_fit_type && type->tp_version_tag == glue_fit_version
            && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return 1;
    }
    if (type->tp_getattro != PyObject_GenericGetAttr || type->tp_setattro != PyObject_GenericSetAttr
            || type->tp_dictoffset == 0 || !PyType_IsSubtype(type, (PyTypeObject *)glue_base)) {
        return 0;
    }
    for (int i = G_DECIDE; i < G_METHOD_END; i++) {
        if (_PyType_Lookup(type, glue_str[i]) != glue_methods[i - G_DECIDE]) {
            return 0;
        }
    }
    for (int i = 0; i < G_INSTANCE_COUNT; i++) {
        if (_PyType_Lookup(type, glue_str[i]) != NULL) {
            return 0;
        }
    }
    if (PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) { /* _PyType_Lookup gave it one */
        Py_XSETREF(glue_fit_type, (PyTypeObject *)Py_NewRef(type));
        glue_fit_version = type->tp_version_tag;
    }
    return 1;
}

/* online.py's global ``name`` (borrowed), NameError where it has none. */
static PyObject *glue_global(int name) {
    PyObject *value = slots_get(&glue_global_slots, glue_globals, name);
    if (value == NULL && !PyErr_Occurred()) {
        PyErr_Format(PyExc_NameError, "name '%U' is not defined", glue_str[name]);
    }
    return value;
}

/* Whether online.py's global ``name`` is the compiled function ``meth``. */
static int glue_is_compiled(int name, void *meth) {
    PyObject *value = slots_get(&glue_global_slots, glue_globals, name);
    return value != NULL && PyCFunction_Check(value) && (void *)PyCFunction_GET_FUNCTION(value) == meth;
}

/* The constants the steps read from online.py (checked each call: a test may patch one). */
typedef struct {
    long long keep_body_terms;
    double max_key_share;
} GlueConstants;

/* 1 where online.py's functions are the compiled ones and its constants plain numbers
 * (read into *c), else 0. */
static int glue_globals_fit(GlueConstants *c) {
#if GLUE_VERSIONS
    /* the last check's answer, while the globals keep its version */
    static uint64_t fit_version = 0;
    static GlueConstants fit_constants;
    if (fit_version != 0 && fit_version == glue_version(glue_globals)) {
        *c = fit_constants;
        return 1;
    }
#endif
    if (!glue_is_compiled(G_RETRIEVE_AND_DECIDE, (void *)retrieve_and_decide)
            || !glue_is_compiled(G_COUNT_ARTICLE, (void *)count_article)
            || !glue_is_compiled(G_ADD_ARTICLE, (void *)add_article)) {
        return 0;
    }
    PyObject *keep = slots_get(&glue_global_slots, glue_globals, G_KEEP_BODY_TERMS);
    PyObject *share = slots_get(&glue_global_slots, glue_globals, G_MAX_KEY_SHARE);
    if (keep == NULL || !PyLong_CheckExact(keep) || share == NULL || !PyFloat_CheckExact(share)) {
        return 0;
    }
    int overflow;
    c->keep_body_terms = PyLong_AsLongLongAndOverflow(keep, &overflow);
    c->max_key_share = PyFloat_AS_DOUBLE(share);
    if (overflow || (c->keep_body_terms == -1 && PyErr_Occurred())) {
        return 0;
    }
#if GLUE_VERSIONS
    fit_version = glue_version(glue_globals);
    fit_constants = *c;
#endif
    return 1;
}

/* clusterer.<name> from its instance dict (a new reference held in h), as getattr reads it
 * for a class that glue_class_fits. */
static PyObject *glue_no_attr(PyObject *clusterer, int name) {
    if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%U'", Py_TYPE(clusterer)->tp_name,
                     glue_str[name]);
    }
    return NULL;
}

static inline PyObject *glue_attr(Held *h, PyObject *clusterer, PyObject *dict, int name) {
    PyObject *value = slots_get(&glue_instance_slots, dict, name);
    return value == NULL ? glue_no_attr(clusterer, name) : hold(h, Py_NewRef(value));
}

/* getattr(module, name) (a new reference): its dict's value, through the slots, where it
 * is a plain module that has it (a module's class has no attribute by these names). */
static PyObject *glue_module_attr(PyObject *module, int name) {
    PyObject *dict = PyModule_CheckExact(module) ? PyModule_GetDict(module) : NULL;
    PyObject *value = dict == NULL ? NULL : slots_get(&glue_weights_slots, dict, name);
    if (value != NULL) {
        return Py_NewRef(value);
    }
    return PyErr_Occurred() ? NULL : PyObject_GetAttr(module, glue_str[name]);
}

/* a op b for an ordering op (Py_LT, Py_LE, Py_GT or Py_GE). */
static inline int ordered(long long a, long long b, int op) {
    return op == Py_LT ? a < b : op == Py_LE ? a <= b : op == Py_GT ? a > b : a >= b;
}

/* x op y for two objects, as Python compares them (ints inline): 1, 0, or -1 with an exception set. */
static int glue_compare(PyObject *x, PyObject *y, int op) {
    int ordering = op == Py_LT || op == Py_LE || op == Py_GT || op == Py_GE;
    long a, b;
    if (ordering && two_longs(x, y, &a, &b)) { /* ints of one digit or none: read straight */
        return ordered(a, b, op);
    }
    if (ordering && PyLong_CheckExact(x) && PyLong_CheckExact(y)) {
        int ox, oy;
        long long a = PyLong_AsLongLongAndOverflow(x, &ox), b = PyLong_AsLongLongAndOverflow(y, &oy);
        if (!ox && !oy) {
            return ordered(a, b, op);
        }
    }
    return PyObject_RichCompareBool(x, y, op);
}

/* _decide's plain path: retrieve_and_decide with the clusterer's model and bounds, the
 * arguments read as _decide reads them (its _retrieve, text_floor and join_model inline).
 * A new reference (a story id or None), NULL with an exception set. */
static PyObject *glue_decide(PyObject *clusterer, PyObject *dict, PyObject *features, int headline,
                             const GlueConstants *c) {
    Held h;
    h.n = 0;
    PyObject *out = NULL;
    PyObject *stories = glue_attr(&h, clusterer, dict, G_STORIES);
    Py_ssize_t n_stories = stories == NULL ? -1 : PyObject_Size(stories);
    if (n_stories < 0) {
        goto done;
    }
    double most_share = c->max_key_share * (double)n_stories; /* int(MAX_KEY_SHARE * len(stories)) */
    if (!isfinite(most_share) || fabs(most_share) >= 9.2e18) {
        PyErr_SetString(PyExc_OverflowError, "the retrieval's bound is out of range");
        goto done;
    }
    long long most_n = (long long)most_share;
    PyObject *most = hold(&h, PyLong_FromLongLong(most_n < 50 ? 50 : most_n));
    PyObject *threshold = most == NULL ? NULL
        : glue_attr(&h, clusterer, dict, headline ? G_HEADLINE_THRESHOLD : G_THRESHOLD);
    PyObject *floor = threshold == NULL ? NULL
        : glue_attr(&h, clusterer, dict, headline ? G_HEADLINE_MIN_TEXT_COSINE : G_MIN_TEXT_COSINE);
    if (floor == NULL) {
        goto done;
    }
    /* the join model: the clusterer's own, else _weights' */
    PyObject *model[2];
    for (int k = 0; k < 2; k++) {
        static const int own[2][2] = {{G_WEIGHTS_ATTR, G_BIAS_ATTR}, {G_HEADLINE_WEIGHTS_ATTR, G_HEADLINE_BIAS_ATTR}};
        static const int fitted[2][2] = {{G_WEIGHTS, G_BIAS}, {G_HEADLINE_WEIGHTS, G_HEADLINE_BIAS}};
        if ((model[k] = glue_attr(&h, clusterer, dict, own[headline][k])) == NULL) {
            goto done;
        }
        if (model[k] == Py_None) {
            PyObject *module = glue_global(G_WEIGHTS_MODULE);
            if (module == NULL || (model[k] = hold(&h, glue_module_attr(module, fitted[headline][k]))) == NULL) {
                goto done;
            }
        }
    }
    PyObject *index = glue_attr(&h, clusterer, dict, G_INDEX);
    PyObject *keys = index == NULL ? NULL : hold(&h, slot_attr(features, glue_str[G_KEYS]));
    PyObject *limit = keys == NULL ? NULL : glue_attr(&h, clusterer, dict, G_MAX_CANDIDATES);
    PyObject *df = limit == NULL ? NULL : glue_attr(&h, clusterer, dict, G_DF);
    PyObject *window = df == NULL ? NULL : glue_attr(&h, clusterer, dict, G_WINDOW_DAYS);
    if (window == NULL) {
        goto done;
    }
    PyObject *full_compare = glue_global(G_FULL_COMPARE); /* read where _decide reads it */
    if (full_compare == NULL || hold(&h, Py_NewRef(full_compare)) == NULL) {
        goto done;
    }
    PyObject *args[13] = {index, keys, most, limit, features, stories, df, full_compare, floor, window,
                          model[0], model[1], threshold};
    out = retrieve_and_decide(NULL, args, 13);
done:
    release(&h);
    return out;
}

/* _story and _attach: story ``sid`` (opened with its expiry entry where it is not active)
 * grown by the article, its member list and the index. 0, or -1 with an exception set. */
static int glue_attach(PyObject *clusterer, PyObject *dict, PyObject *features, PyObject *sid) {
    Held h;
    h.n = 0;
    int out = -1;
    PyObject *stories = glue_attr(&h, clusterer, dict, G_STORIES);
    if (stories == NULL) {
        goto done;
    }
    PyObject *story = PyDict_CheckExact(stories) ? Py_XNewRef(PyDict_GetItemWithError(stories, sid))
                                                 : PyObject_CallMethod(stories, "get", "O", sid);
    if (story == NULL && PyErr_Occurred()) {
        goto done;
    }
    if (story == Py_None) {
        Py_CLEAR(story);
    }
    if (story == NULL) { /* _story(sid): its own get, then a new story */
        PyObject *again = PyDict_CheckExact(stories) ? Py_XNewRef(PyDict_GetItemWithError(stories, sid))
                                                     : PyObject_CallMethod(stories, "get", "O", sid);
        if (again == NULL && PyErr_Occurred()) {
            goto done;
        }
        if (again != NULL && again != Py_None) {
            story = again;
        } else {
            Py_XDECREF(again);
            PyObject *make = glue_global(G_STORY_FEATURES);
            PyObject *made = make == NULL ? NULL : hold(&h, PyObject_CallNoArgs(make));
            PyObject *members = made == NULL || PyObject_SetItem(stories, sid, made) < 0 ? NULL
                : glue_attr(&h, clusterer, dict, G_MEMBERS);
            PyObject *empty = members == NULL ? NULL : hold(&h, PyList_New(0));
            if (empty == NULL || PyObject_SetItem(members, sid, empty) < 0) {
                goto done;
            }
            PyObject *heapq = glue_global(G_HEAPQ);
            PyObject *push = heapq == NULL ? NULL : hold(&h, PyObject_GetAttr(heapq, glue_str[G_HEAPPUSH]));
            PyObject *expiry = push == NULL ? NULL : glue_attr(&h, clusterer, dict, G_EXPIRY);
            PyObject *seen = expiry == NULL ? NULL : glue_attr(&h, clusterer, dict, G_ARRIVALS);
            PyObject *entry = seen == NULL ? NULL : hold(&h, PyTuple_Pack(2, seen, sid));
            PyObject *push_args[2] = {expiry, entry};
            if (entry == NULL || hold(&h, PyObject_Vectorcall(push, push_args, 2, NULL)) == NULL) {
                goto done;
            }
            story = Py_NewRef(made);
        }
    }
    hold(&h, story);
    PyObject *seen = glue_attr(&h, clusterer, dict, G_ARRIVALS);
    PyObject *df = seen == NULL ? NULL : glue_attr(&h, clusterer, dict, G_DF);
    PyObject *add_args[4] = {story, features, seen, df};
    if (df == NULL || hold(&h, add_article(NULL, add_args, 4)) == NULL) {
        goto done;
    }
    PyObject *members = glue_attr(&h, clusterer, dict, G_MEMBERS);
    PyObject *own = members == NULL ? NULL : hold(&h, PyObject_GetItem(members, sid));
    if (own == NULL || (PyList_CheckExact(own) ? PyList_Append(own, features)
                        : hold(&h, PyObject_CallMethodOneArg(own, glue_str[G_APPEND], features)) == NULL ? -1 : 0) < 0) {
        goto done;
    }
    PyObject *index = glue_attr(&h, clusterer, dict, G_INDEX);
    PyObject *keys = index == NULL ? NULL : hold(&h, slot_attr(features, glue_str[G_KEYS]));
    if (keys == NULL) {
        goto done;
    }
    PyObject *file_args[3] = {index, keys, sid};
    PyObject *filed = Py_IS_TYPE(index, &KeyIndexType) ? KeyIndex_file((KeyIndexObject *)index, file_args + 1, 2)
                                                      : PyObject_VectorcallMethod(glue_str[G_FILE], file_args, 3, NULL);
    if (hold(&h, filed) == NULL) {
        goto done;
    }
    out = 0;
done:
    release(&h);
    return out;
}

/* _expire's test: the expiry heap's oldest entry idle longer than min_idle_arrivals
 * (self._arrivals - self._expiry[0][0] > self.min_idle_arrivals, an empty heap never).
 * 1, 0, or -1 with an exception set; what it reads is held in h. */
static int glue_expiry_due(Held *h, PyObject *clusterer, PyObject *dict) {
    PyObject *expiry = glue_attr(h, clusterer, dict, G_EXPIRY);
    int any = expiry == NULL ? -1 : PyObject_IsTrue(expiry);
    if (any < 0) {
        return -1;
    }
    if (any) {
        PyObject *seen = glue_attr(h, clusterer, dict, G_ARRIVALS);
        PyObject *zero = NULL; /* made where an item is read by its index */
        /* expiry[0][0]: a list's first tuple read in place */
        PyObject *oldest = seen == NULL ? NULL
            : PyList_CheckExact(expiry) && PyList_GET_SIZE(expiry) > 0 ? hold(h, Py_NewRef(PyList_GET_ITEM(expiry, 0)))
            : (zero = hold(h, PyLong_FromLong(0))) == NULL ? NULL : hold(h, PyObject_GetItem(expiry, zero));
        PyObject *at = oldest == NULL ? NULL
            : PyTuple_CheckExact(oldest) && PyTuple_GET_SIZE(oldest) > 0 ? hold(h, Py_NewRef(PyTuple_GET_ITEM(oldest, 0)))
            : zero == NULL && (zero = hold(h, PyLong_FromLong(0))) == NULL ? NULL : hold(h, PyObject_GetItem(oldest, zero));
        if (at == NULL) {
            return -1;
        }
        /* ints: the difference and the test in C (as Python's, where it fits a long long) */
        long long seen_n = 0, at_n = 0, idle_n = 0;
        long small_seen, small_at;
        int overflow = 0, ints = PyLong_CheckExact(seen) && PyLong_CheckExact(at);
        /* two longs (read straight where of one digit) whose difference fits */
        int small = ints && two_longs(seen, at, &small_seen, &small_at)
                    && !__builtin_sub_overflow((long long)small_seen, (long long)small_at, &idle_n);
        if (ints && !small) {
            seen_n = PyLong_AsLongLongAndOverflow(seen, &overflow);
            ints = !overflow && (at_n = PyLong_AsLongLongAndOverflow(at, &overflow), !overflow)
                   && !__builtin_sub_overflow(seen_n, at_n, &idle_n);
        }
        PyObject *idle = ints ? NULL : hold(h, PyNumber_Subtract(seen, at));
        PyObject *bound = !ints && idle == NULL ? NULL : glue_attr(h, clusterer, dict, G_MIN_IDLE);
        int due = -1;
        long small_bound, same;
        if (bound != NULL && ints && two_longs(bound, bound, &small_bound, &same)) {
            due = idle_n > small_bound;
        } else if (bound != NULL && ints && PyLong_CheckExact(bound)) {
            long long bound_n = PyLong_AsLongLongAndOverflow(bound, &overflow);
            due = overflow ? overflow < 0 : idle_n > bound_n;
        } else if (bound != NULL) {
            idle = idle != NULL ? idle : hold(h, PyLong_FromLongLong(idle_n));
            due = idle == NULL ? -1 : glue_compare(idle, bound, Py_GT);
        }
        return due;
    }
    return 0;
}

/* (a, b) pushed on the expiry heap (heapq.heappush(self._expiry, (a, b))). */
static int glue_push(PyObject *clusterer, PyObject *dict, PyObject *a, PyObject *b) {
    Held h;
    h.n = 0;
    PyObject *heapq = glue_global(G_HEAPQ);
    PyObject *push = heapq == NULL ? NULL : hold(&h, PyObject_GetAttr(heapq, glue_str[G_HEAPPUSH]));
    PyObject *expiry = push == NULL ? NULL : glue_attr(&h, clusterer, dict, G_EXPIRY);
    PyObject *entry = expiry == NULL ? NULL : hold(&h, PyTuple_Pack(2, a, b));
    PyObject *push_args[2] = {expiry, entry};
    int out = entry == NULL || hold(&h, PyObject_Vectorcall(push, push_args, 2, NULL)) == NULL ? -1 : 0;
    release(&h);
    return out;
}

/* mapping.pop(key, default), a new reference. */
static PyObject *glue_pop(PyObject *mapping, PyObject *key, PyObject *default_value) {
    if (PyDict_CheckExact(mapping)) {
        PyObject *value = PyDict_GetItemWithError(mapping, key);
        if (value == NULL) {
            return PyErr_Occurred() ? NULL : Py_NewRef(default_value);
        }
        Py_INCREF(value);
        if (PyDict_DelItem(mapping, key) < 0) {
            Py_DECREF(value);
            return NULL;
        }
        return value;
    }
    return PyObject_CallMethod(mapping, "pop", "OO", key, default_value);
}

/* _detach(sid): the story out of stories_, its members out of members_, and its keys out of
 * the index (self._index.unfile([f.keys for f in members], sid)). 0, or -1 with an exception set. */
static int glue_detach(PyObject *clusterer, PyObject *dict, PyObject *sid) {
    Held h;
    h.n = 0;
    int out = -1;
    PyObject *stories = glue_attr(&h, clusterer, dict, G_STORIES);
    PyObject *dropped = stories == NULL ? NULL : hold(&h, glue_pop(stories, sid, Py_None));
    PyObject *index = dropped == NULL ? NULL : glue_attr(&h, clusterer, dict, G_INDEX);
    PyObject *members = index == NULL ? NULL : glue_attr(&h, clusterer, dict, G_MEMBERS);
    PyObject *none = members == NULL ? NULL : hold(&h, PyTuple_New(0));
    PyObject *gone = none == NULL ? NULL : hold(&h, glue_pop(members, sid, none));
    PyObject *key_lists = gone == NULL ? NULL : hold(&h, PyList_New(0));
    PyObject *walk = key_lists == NULL ? NULL : hold(&h, PyObject_GetIter(gone));
    if (walk == NULL) {
        goto done;
    }
    PyObject *f;
    while ((f = PyIter_Next(walk)) != NULL) {
        PyObject *keys = slot_attr(f, glue_str[G_KEYS]);
        Py_DECREF(f);
        int failed = keys == NULL || PyList_Append(key_lists, keys) < 0;
        Py_XDECREF(keys);
        if (failed) {
            goto done;
        }
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    PyObject *unfile_args[3] = {index, key_lists, sid};
    PyObject *unfiled = Py_IS_TYPE(index, &KeyIndexType) ? KeyIndex_unfile((KeyIndexObject *)index, unfile_args + 1, 2)
                                                        : PyObject_VectorcallMethod(glue_str[G_UNFILE], unfile_args, 3, NULL);
    out = hold(&h, unfiled) == NULL ? -1 : 0;
done:
    release(&h);
    return out;
}

/* _expire: while the oldest entry is due, it comes off the heap; its story, if still
 * active, is moved up to its latest arrival where it grew since, kept another idle period
 * where it is still in the time window, or else detached. 0, or -1 with an exception set. */
static int glue_expire(PyObject *clusterer, PyObject *dict) {
    for (;;) {
        Held h;
        h.n = 0;
        int due = glue_expiry_due(&h, clusterer, dict);
        release(&h);
        if (due <= 0) {
            return due;
        }
        PyObject *heapq = glue_global(G_HEAPQ);
        PyObject *pop = heapq == NULL ? NULL : hold(&h, PyObject_GetAttr(heapq, glue_str[G_HEAPPOP]));
        PyObject *expiry = pop == NULL ? NULL : glue_attr(&h, clusterer, dict, G_EXPIRY);
        PyObject *entry = expiry == NULL ? NULL : hold(&h, PyObject_Vectorcall(pop, &expiry, 1, NULL));
        /* seen, sid = entry */
        PyObject *pair = entry == NULL ? NULL : hold(&h, PySequence_Tuple(entry));
        if (pair == NULL) {
            goto fail;
        }
        if (PyTuple_GET_SIZE(pair) != 2) {
            PyErr_Format(PyExc_ValueError, PyTuple_GET_SIZE(pair) > 2 ? "too many values to unpack (expected 2)"
                         : "not enough values to unpack (expected 2, got %zd)", PyTuple_GET_SIZE(pair));
            goto fail;
        }
        PyObject *seen = PyTuple_GET_ITEM(pair, 0), *sid = PyTuple_GET_ITEM(pair, 1);
        PyObject *stories = glue_attr(&h, clusterer, dict, G_STORIES);
        PyObject *story = stories == NULL ? NULL
            : PyDict_CheckExact(stories) ? Py_XNewRef(PyDict_GetItemWithError(stories, sid))
            : PyObject_CallMethod(stories, "get", "O", sid);
        if (story == NULL && PyErr_Occurred()) {
            goto fail;
        }
        if (story == NULL || story == Py_None) { /* detached since */
            Py_XDECREF(story);
            release(&h);
            continue;
        }
        hold(&h, story);
        PyObject *last_seen = hold(&h, slot_attr(story, glue_str[G_LAST_SEEN]));
        int grown = last_seen == NULL ? -1 : PyObject_RichCompareBool(last_seen, seen, Py_NE);
        if (grown < 0) {
            goto fail;
        }
        if (grown) { /* it grew since: its entry moves up to its latest arrival */
            PyObject *latest_seen = hold(&h, slot_attr(story, glue_str[G_LAST_SEEN]));
            if (latest_seen == NULL || glue_push(clusterer, dict, latest_seen, sid) < 0) {
                goto fail;
            }
            release(&h);
            continue;
        }
        /* in the time window: latest_day - last_day <= window_days, both dated */
        PyObject *last_day = hold(&h, slot_attr(story, glue_str[G_LAST_DAY]));
        int in_window = last_day == NULL ? -1 : 0;
        if (last_day != NULL && last_day != Py_None) {
            PyObject *latest = glue_attr(&h, clusterer, dict, G_LATEST_DAY);
            if (latest == NULL) {
                goto fail;
            }
            if (latest != Py_None) {
                PyObject *gap = hold(&h, PyNumber_Subtract(latest, last_day));
                PyObject *window = gap == NULL ? NULL : glue_attr(&h, clusterer, dict, G_WINDOW_DAYS);
                in_window = window == NULL ? -1 : glue_compare(gap, window, Py_LE);
            }
        }
        if (in_window < 0) {
            goto fail;
        }
        if (in_window) { /* checked again after another idle period */
            PyObject *arrivals = glue_attr(&h, clusterer, dict, G_ARRIVALS);
            if (arrivals == NULL || glue_push(clusterer, dict, arrivals, sid) < 0) {
                goto fail;
            }
            arrivals = glue_attr(&h, clusterer, dict, G_ARRIVALS);
            if (arrivals == NULL || PyObject_SetAttr(story, glue_str[G_LAST_SEEN], arrivals) < 0) {
                goto fail;
            }
            release(&h);
            continue;
        }
        if (glue_detach(clusterer, dict, sid) < 0) {
            goto fail;
        }
        release(&h);
        continue;
    fail:
        release(&h);
        return -1;
    }
}

PyDoc_STRVAR(add_to_stream_doc,
"add_to_stream(clusterer, features, story) -> story id\n\n"
"OnlineClusterer.add_features' steps for one article in one call where the clusterer's\n"
"methods and online.py's functions are the plain ones, else its reference\n"
"(storyline.cluster.online).");

static PyObject *add_to_stream(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "add_to_stream takes a clusterer, features and a story id or None");
        return NULL;
    }
    if (glue_reference == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "add_to_stream: no clusterer registered");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    PyObject *clusterer = args[0], *features = args[1], *story = args[2];
    GlueConstants c;
    int fits = glue_class_fits(Py_TYPE(clusterer));
    if (fits < 0) {
        return NULL;
    }
    fits = fits && glue_globals_fit(&c);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *out = NULL;
    PyObject *dict = fits ? hold(&h, PyObject_GenericGetDict(clusterer, NULL)) : NULL;
    if (fits && dict == NULL) {
        goto done;
    }
    /* the instance's own methods by the checked names, if any, are the reference's to call */
    for (int i = G_DECIDE; fits && i < G_METHOD_END; i++) {
        if (!PyDict_CheckExact(dict) || slots_get(&glue_instance_slots, dict, i) != NULL) {
            fits = 0;
        } else if (PyErr_Occurred()) {
            goto done;
        }
    }
    /* a headline with an embedding: _decide's semantic path (Python) */
    int headline = 0;
    if (fits && story == Py_None) {
        PyObject *flag = held_attr(&h, features, K_HEADLINE_ONLY);
        if (flag == NULL || (headline = PyObject_IsTrue(flag)) < 0) {
            goto done;
        }
        PyObject *embedding = headline ? hold(&h, slot_attr(features, glue_str[G_EMBEDDING])) : Py_None;
        if (embedding == NULL) {
            goto done;
        }
        fits = embedding == Py_None;
    }
    if (!fits) {
        release(&h);
        return PyObject_Vectorcall(glue_reference, args, 3, NULL);
    }

    /* clusterer._arrivals += 1 */
    PyObject *arrivals = glue_attr(&h, clusterer, dict, G_ARRIVALS);
    PyObject *one = arrivals == NULL ? NULL : hold(&h, PyLong_FromLong(1));
    int overflow = 0;
    long long arrived = one != NULL && PyLong_CheckExact(arrivals) ? PyLong_AsLongLongAndOverflow(arrivals, &overflow) : -1;
    arrivals = one == NULL ? NULL
        : arrived >= 0 && !overflow && arrived < LLONG_MAX ? hold(&h, PyLong_FromLongLong(arrived + 1))
        : hold(&h, PyNumber_InPlaceAdd(arrivals, one));
    if (arrivals == NULL || slots_put(&glue_instance_slots, dict, G_ARRIVALS, arrivals) < 0) {
        goto done;
    }
    /* prune where the body has more terms than it keeps */
    PyObject *df = glue_attr(&h, clusterer, dict, G_DF);
    PyObject *body = df == NULL ? NULL : held_attr(&h, features, K_BODY);
    Py_ssize_t n_body = body == NULL ? -1 : PyObject_Size(body);
    if (n_body < 0) {
        goto done;
    }
    if ((long long)n_body > c.keep_body_terms) {
        PyObject *prune = glue_global(G_PRUNE);
        PyObject *prune_args[2] = {features, df};
        if (prune == NULL || (features = hold(&h, PyObject_Vectorcall(prune, prune_args, 2, NULL))) == NULL) {
            goto done;
        }
    }
    /* the story: given, decided, or the next id */
    if (story == Py_None) {
        story = hold(&h, glue_decide(clusterer, dict, features, headline, &c));
        if (story == NULL) {
            goto done;
        }
    }
    PyObject *next_id = glue_attr(&h, clusterer, dict, G_NEXT_ID);
    if (next_id == NULL) {
        goto done;
    }
    if (story == Py_None) {
        story = next_id;
    }
    int later = glue_compare(story, next_id, Py_GE);
    if (later < 0) {
        goto done;
    }
    if (later) {
        PyObject *after = hold(&h, PyNumber_Add(story, one));
        if (after == NULL || slots_put(&glue_instance_slots, dict, G_NEXT_ID, after) < 0) {
            goto done;
        }
    }
    PyObject *count_args[2] = {df, features};
    if (hold(&h, count_article(NULL, count_args, 2)) == NULL
            || glue_attach(clusterer, dict, features, story) < 0) {
        goto done;
    }
    /* the label */
    PyObject *labels = glue_attr(&h, clusterer, dict, G_LABELS);
    PyObject *id = labels == NULL ? NULL : hold(&h, slot_attr(features, glue_str[G_ID]));
    if (id == NULL || PyObject_SetItem(labels, id, story) < 0) {
        goto done;
    }
    /* the latest day */
    PyObject *day = held_attr(&h, features, K_DAY);
    if (day == NULL) {
        goto done;
    }
    if (day != Py_None) {
        PyObject *latest = glue_attr(&h, clusterer, dict, G_LATEST_DAY);
        int newer = latest == NULL ? -1 : latest == Py_None ? 1 : glue_compare(day, latest, Py_GT);
        if (newer < 0 || (newer && slots_put(&glue_instance_slots, dict, G_LATEST_DAY, day) < 0)) {
            goto done;
        }
    }
    /* the expiry test, and _expire where it is due */
    int due = glue_expiry_due(&h, clusterer, dict);
    if (due < 0 || (due && glue_expire(clusterer, dict) < 0)) {
        goto done;
    }
    out = Py_NewRef(story);
done:
    release(&h);
    return out;
}
