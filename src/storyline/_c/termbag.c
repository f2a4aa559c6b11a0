/* termbag.c: TermBag, a story's bag (StoryFeatures.title, .body, .all, .entities, each
 * of .kinds, .year_bag where the extension is compiled; a dict otherwise) as C data: terms (held) -> double, in the
 * order first added, as a dict of floats holds them (a dense array of entries and an
 * index of their places, as CPython's compact dict keeps them). A story's bags only grow
 * (a story that leaves is dropped whole): no term is ever removed. The C loops grow them
 * in place (termbag_add: no float made, no insert of one) and read them inline (bag_find,
 * a walk of the entries); Python sees a mapping of floats. ``version`` changes with every
 * write. Uses terms.c (plain_str, same_text, term_table_versions). */

typedef struct {
    PyObject *key; /* held */
    Py_hash_t hash;
    double value;
} BagEntry;

typedef struct {
    PyObject_HEAD
    BagEntry *entries; /* n of them in the order added, room for ``room`` */
    Py_ssize_t n, room;
    /* mask + 1 places: an entry's number + 1, 0 where empty; NULL while n is 0 (four bytes
     * a place: half the memory to clear as it grows, twice the places per cache line) */
    int32_t *index;
    size_t mask;
    uint64_t version; /* a new one (never a dict's or a table's) with each write */
    /* a dict of the same items (NULL: none made since the last write), for the loops that
     * read dicts alone (refinement's): made once per version, not per read */
    PyObject *mirror;
} TermBag;

static PyTypeObject TermBagType;

static inline int is_term_bag(PyObject *o) {
    return Py_IS_TYPE(o, &TermBagType);
}

/* The entry number of ``key`` (of hash ``hash``), -1 where the bag lacks it, -2 with an
 * exception set (a key's __eq__ failed). Keys other than plain str are compared as a dict
 * compares them: Python code may run, which may add keys (the search then starts again). */
static Py_ssize_t bag_find(TermBag *b, PyObject *key, Py_hash_t hash) {
    int plain = -1; /* whether ``key`` is a plain str: tested at its first use */
restart:;
    if (b->n == 0) {
        return -1;
    }
    size_t mask = b->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
    Py_ssize_t n = b->n;
    for (;;) {
        Py_ssize_t at = b->index[i];
        if (at == 0) {
            return -1;
        }
        BagEntry *e = &b->entries[at - 1];
        if (e->key == key) {
            return at - 1;
        }
        if (e->hash == hash) {
            int equal;
            if (plain < 0) {
                plain = plain_str(key);
            }
            if (plain && plain_str(e->key)) {
                equal = same_text(e->key, key);
            } else {
                PyObject *stored = Py_NewRef(e->key);
                equal = PyObject_RichCompareBool(stored, key, Py_EQ);
                Py_DECREF(stored);
                if (equal < 0) {
                    return -2;
                }
                if (b->n != n) {
                    goto restart;
                }
            }
            if (equal) {
                return at - 1;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* bag_find of an exact str ``key`` (of hash ``hash``), searched inline: the entry number,
 * -1 where the bag lacks it; where an entry that is no exact str has its hash, bag_find
 * (which compares those as a dict does). No Python code runs but in that case. */
static inline Py_ssize_t bag_find_str(TermBag *b, PyObject *key, Py_hash_t hash) {
    if (b->n == 0) {
        return -1;
    }
    size_t mask = b->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
    for (;;) {
        Py_ssize_t at = b->index[i];
        if (at == 0) {
            return -1;
        }
        BagEntry *e = &b->entries[at - 1];
        if (e->key == key) {
            return at - 1;
        }
        if (e->hash == hash) {
            if (!PyUnicode_CheckExact(e->key)) {
                return bag_find(b, key, hash);
            }
            if (same_text(e->key, key)) {
                return at - 1;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* The index rebuilt at ``size`` places; -1 with an exception set. */
static int bag_reindex(TermBag *b, size_t size) {
    int32_t *index = PyMem_Calloc(size, sizeof(int32_t));
    if (index == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < b->n; k++) {
        size_t perturb = (size_t)b->entries[k].hash, i = (size_t)b->entries[k].hash & (size - 1);
        while (index[i] != 0) {
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & (size - 1);
        }
        index[i] = (int32_t)(k + 1);
    }
    PyMem_Free(b->index);
    b->index = index;
    b->mask = size - 1;
    return 0;
}

/* Room for ``more`` entries past the bag's ``n`` without a move of the entries or a
 * rebuild of the index; -1 with an exception set. The entries double (at least); the
 * index, kept at most two thirds full, is grown to a third full (as a dict grows: fewer
 * rebuilds of a bag that keeps growing). */
static int bag_reserve(TermBag *b, Py_ssize_t more) {
    Py_ssize_t need = b->n + more;
    if (more < 0 || need > INT32_MAX / 3) { /* entry numbers fit the index's places */
        PyErr_NoMemory();
        return -1;
    }
    if (need > b->room) {
        Py_ssize_t room = b->room < 8 ? 8 : b->room * 2;
        while (room < need) {
            room *= 2;
        }
        BagEntry *entries = PyMem_Realloc(b->entries, sizeof(BagEntry) * (size_t)room);
        if (entries == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->entries = entries;
        b->room = room;
    }
    if (b->index == NULL || (size_t)need * 3 > (b->mask + 1) * 2) {
        size_t size = 8;
        while (size < (size_t)need * 3) {
            size *= 2;
        }
        if (bag_reindex(b, size) < 0) {
            return -1;
        }
    }
    return 0;
}

/* bag_reserve of a TermBag about to take up to ``more`` new terms; nothing for a dict. */
static inline int bag_reserve_for(PyObject *bag, Py_ssize_t more) {
    return is_term_bag(bag) ? bag_reserve((TermBag *)bag, more) : 0;
}

/* Whether one more entry fits without a move of the entries or a rebuild of the index. */
static inline int bag_fits(const TermBag *b) {
    return b->n < b->room && b->index != NULL && (size_t)(b->n + 1) * 3 <= (b->mask + 1) * 2;
}

/* ``key`` (not in the bag) added last with ``value`` at the empty place ``i`` of the
 * index, where it fits (bag_fits). */
static inline void bag_put(TermBag *b, PyObject *key, Py_hash_t hash, double value, size_t i) {
    BagEntry *e = &b->entries[b->n];
    e->key = Py_NewRef(key);
    e->hash = hash;
    e->value = value;
    b->index[i] = (int32_t)++b->n;
    /* a key that may hold the bag: tracked from now on (as a dict); a str holds nothing */
    if (!PyUnicode_CheckExact(key) && !PyObject_GC_IsTracked((PyObject *)b) && PyObject_IS_GC(key)) {
        PyObject_GC_Track(b);
    }
}

/* ``key`` (not in the bag) added last with ``value``; -1 with an exception set. */
static int bag_append(TermBag *b, PyObject *key, Py_hash_t hash, double value) {
    if (!bag_fits(b) && bag_reserve(b, 1) < 0) {
        return -1;
    }
    size_t mask = b->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
    while (b->index[i] != 0) {
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
    bag_put(b, key, hash, value, i);
    return 0;
}

/* bag[key] = bag.get(key, 0.0) + weight for an exact str ``key`` of hash ``hash`` (not
 * -1), found or put by one search (bag_find_str's, whose empty place takes a new key where
 * it fits); the old and new values into *old and *updated. Where an entry that is no
 * exact str has its hash, -2 (nothing done: termbag_add compares those as a dict does);
 * -1 with an exception set. No Python code runs. */
static inline int bag_add_str(TermBag *b, PyObject *key, Py_hash_t hash, double weight, double *old,
                              double *updated) {
    if (b->n != 0) {
        size_t mask = b->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
        for (;;) {
            Py_ssize_t at = b->index[i];
            if (at == 0) {
                break;
            }
            BagEntry *e = &b->entries[at - 1];
            if (e->key == key || (e->hash == hash && PyUnicode_CheckExact(e->key) && same_text(e->key, key))) {
                b->version = ++term_table_versions;
                Py_CLEAR(b->mirror);
                *old = e->value;
                *updated = *old + weight;
                e->value = *updated;
                return 0;
            }
            if (e->hash == hash && !PyUnicode_CheckExact(e->key)) {
                return -2;
            }
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
        b->version = ++term_table_versions;
        Py_CLEAR(b->mirror);
        *old = 0.0;
        *updated = 0.0 + weight;
        if (bag_fits(b)) {
            bag_put(b, key, hash, *updated, i);
            return 0;
        }
        return bag_append(b, key, hash, *updated);
    }
    b->version = ++term_table_versions;
    Py_CLEAR(b->mirror);
    *old = 0.0;
    *updated = 0.0 + weight;
    return bag_append(b, key, hash, *updated);
}

/* bag[key] = bag.get(key, 0.0) + weight, the old and new values into *old and *updated;
 * -1 with an exception set. */
static int termbag_add(TermBag *b, PyObject *key, double weight, double *old, double *updated) {
    Py_hash_t hash = PyUnicode_CheckExact(key) ? ((PyASCIIObject *)key)->hash : -1;
    if (hash != -1) {
        int done = bag_add_str(b, key, hash, weight, old, updated);
        if (done != -2) {
            return done;
        }
    } else if ((hash = PyObject_Hash(key)) == -1) {
        return -1;
    }
    Py_ssize_t at = bag_find(b, key, hash);
    if (at == -2) {
        return -1;
    }
    b->version = ++term_table_versions;
    Py_CLEAR(b->mirror);
    if (at >= 0) {
        *old = b->entries[at].value;
        *updated = *old + weight;
        b->entries[at].value = *updated;
        return 0;
    }
    *old = 0.0;
    *updated = 0.0 + weight;
    return bag_append(b, key, hash, *updated);
}

/* bag[key] = value; -1 with an exception set. */
static int bag_set(TermBag *b, PyObject *key, double value) {
    Py_hash_t hash = PyObject_Hash(key);
    if (hash == -1) {
        return -1;
    }
    Py_INCREF(key); /* held while Python code may run (a key's __eq__) */
    Py_ssize_t at = bag_find(b, key, hash);
    int done = at == -2 ? -1 : 0;
    Py_CLEAR(b->mirror);
    if (at >= 0) {
        b->entries[at].value = value;
    } else if (at == -1) {
        done = bag_append(b, key, hash, value);
    }
    b->version = ++term_table_versions;
    Py_DECREF(key);
    return done;
}

/* The entry number of ``key`` for Python's reads: -1 where missing, -2 with an exception
 * set. */
static Py_ssize_t bag_lookup(TermBag *b, PyObject *key) {
    if (PyUnicode_CheckExact(key) && ((PyASCIIObject *)key)->hash != -1) {
        return bag_find_str(b, key, ((PyASCIIObject *)key)->hash); /* (its callers hold the key) */
    }
    Py_hash_t hash = PyObject_Hash(key);
    if (hash == -1) {
        return -2;
    }
    Py_INCREF(key);
    Py_ssize_t at = bag_find(b, key, hash);
    Py_DECREF(key);
    return at;
}

/* The size of a bag: a TermBag's or a dict's. */
static inline Py_ssize_t bag_size(PyObject *bag) {
    return is_term_bag(bag) ? ((TermBag *)bag)->n : PyDict_GET_SIZE(bag);
}

/* 0 where the bag still has the ``size`` entries it had when a walk of it began, else -1
 * with RuntimeError set (as walk_changed for a dict). */
static int bag_walk_changed(TermBag *b, Py_ssize_t size) {
    if (b->n == size) {
        return 0;
    }
    PyErr_SetString(PyExc_RuntimeError, "TermBag changed size during iteration");
    return -1;
}

/* ---- Python's face: a mapping of floats, in the order terms were added ---- */

static int TermBag_traverse(TermBag *b, visitproc visit, void *arg) {
    for (Py_ssize_t k = 0; k < b->n; k++) {
        Py_VISIT(b->entries[k].key);
    }
    Py_VISIT(b->mirror);
    return 0;
}

/* The collector's clear: the keys let go (the bag left empty). */
static int TermBag_clear_refs(TermBag *b) {
    Py_ssize_t n = b->n;
    BagEntry *entries = b->entries;
    b->n = b->room = 0;
    b->entries = NULL;
    PyMem_Free(b->index);
    b->index = NULL;
    b->mask = 0;
    b->version = ++term_table_versions;
    Py_CLEAR(b->mirror);
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_DECREF(entries[k].key);
    }
    PyMem_Free(entries);
    return 0;
}

static void TermBag_dealloc(TermBag *b) {
    PyObject_GC_UnTrack(b);
    Py_TRASHCAN_BEGIN(b, TermBag_dealloc)
    TermBag_clear_refs(b);
    PyObject_GC_Del(b);
    Py_TRASHCAN_END
}

static int bag_update(TermBag *b, PyObject *other);

/* A new, empty TermBag, not tracked by the collector until a key may hold it; NULL with
 * an exception set. */
static PyObject *new_term_bag(void) {
    TermBag *b = PyObject_GC_New(TermBag, &TermBagType);
    if (b == NULL) {
        return NULL;
    }
    b->entries = NULL;
    b->n = b->room = 0;
    b->index = NULL;
    b->mask = 0;
    b->version = ++term_table_versions;
    b->mirror = NULL;
    return (PyObject *)b;
}

static PyObject *TermBag_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *items = NULL;
    if (type != &TermBagType) {
        PyErr_SetString(PyExc_TypeError, "TermBag cannot be subclassed");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "|O:TermBag", &items) || (kwargs != NULL && !_PyArg_NoKeywords("TermBag", kwargs))) {
        return NULL;
    }
    TermBag *b = (TermBag *)new_term_bag();
    if (b == NULL) {
        return NULL;
    }
    if (items != NULL && bag_update(b, items) < 0) {
        Py_DECREF(b);
        return NULL;
    }
    return (PyObject *)b;
}


static Py_ssize_t TermBag_length(TermBag *b) {
    return b->n;
}

static PyObject *TermBag_subscript(TermBag *b, PyObject *key) {
    Py_ssize_t at = bag_lookup(b, key);
    if (at >= 0) {
        return PyFloat_FromDouble(b->entries[at].value);
    }
    if (at == -1) {
        PyErr_SetObject(PyExc_KeyError, key);
    }
    return NULL;
}

static int TermBag_ass_subscript(TermBag *b, PyObject *key, PyObject *value) {
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "TermBag: a story's bag never loses a term");
        return -1;
    }
    if (!PyFloat_Check(value) && !PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "TermBag: a weight must be a float, not %.100s", Py_TYPE(value)->tp_name);
        return -1;
    }
    double v = PyFloat_AsDouble(value);
    if (FAILED(v)) {
        return -1;
    }
    return bag_set(b, key, v);
}

static int TermBag_contains(TermBag *b, PyObject *key) {
    Py_ssize_t at = bag_lookup(b, key);
    return at == -2 ? -1 : at >= 0;
}

/* The terms (what 0), weights (1) or (term, weight) pairs (2), in a list. */
static PyObject *bag_list(TermBag *b, int what) {
    PyObject *out = PyList_New(b->n);
    for (Py_ssize_t k = 0; out != NULL && k < b->n; k++) {
        BagEntry *e = &b->entries[k];
        PyObject *item = what == 0   ? Py_NewRef(e->key)
                         : what == 1 ? PyFloat_FromDouble(e->value)
                                     : Py_BuildValue("(Od)", e->key, e->value);
        if (item == NULL) {
            Py_CLEAR(out);
        } else {
            PyList_SET_ITEM(out, k, item);
        }
    }
    return out;
}

static PyObject *TermBag_keys(TermBag *b, PyObject *unused) {
    return bag_list(b, 0);
}

static PyObject *TermBag_values(TermBag *b, PyObject *unused) {
    return bag_list(b, 1);
}

static PyObject *TermBag_items(TermBag *b, PyObject *unused) {
    return bag_list(b, 2);
}

static PyObject *TermBag_iter(TermBag *b) {
    PyObject *keys = bag_list(b, 0);
    PyObject *out = keys == NULL ? NULL : PyObject_GetIter(keys);
    Py_XDECREF(keys);
    return out;
}

/* A dict of the bag's items in its order. */
static PyObject *bag_dict(TermBag *b) {
    PyObject *out = _PyDict_NewPresized(b->n);
    for (Py_ssize_t k = 0; out != NULL && k < b->n; k++) {
        PyObject *key = Py_NewRef(b->entries[k].key);
        PyObject *value = PyFloat_FromDouble(b->entries[k].value);
        if (value == NULL || PyDict_SetItem(out, key, value) < 0) {
            Py_CLEAR(out);
        }
        Py_DECREF(key);
        Py_XDECREF(value);
    }
    return out;
}

/* Sets each item of a mapping (or of an iterable of pairs); -1 with an exception set. */
static int bag_update(TermBag *b, PyObject *other) {
    PyObject *items;
    if (is_term_bag(other)) {
        items = bag_list((TermBag *)other, 2);
    } else if (PyDict_Check(other)) {
        items = PyDict_Items(other);
    } else if (PyObject_HasAttrString(other, "keys")) {
        items = PyMapping_Items(other);
    } else {
        items = PySequence_List(other);
    }
    if (items == NULL) {
        return -1;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(items); k++) {
        PyObject *pair = PyList_GET_ITEM(items, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "TermBag: items must be (term, weight) pairs");
            Py_DECREF(items);
            return -1;
        }
        if (TermBag_ass_subscript(b, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_DECREF(items);
            return -1;
        }
    }
    Py_DECREF(items);
    return 0;
}

/* The bag's items as a dict (borrowed: the bag keeps it until its next write), or
 * ``bag`` itself where it is no TermBag; NULL with an exception set. For the loops that
 * read dicts alone: the dict is a snapshot, never written by them. */
static PyObject *text_dict(PyObject *bag) {
    if (!is_term_bag(bag)) {
        return bag;
    }
    TermBag *b = (TermBag *)bag;
    if (b->mirror == NULL) {
        b->mirror = bag_dict(b);
    }
    return b->mirror;
}

static PyObject *TermBag_as_dict(TermBag *b, PyObject *unused) {
    PyObject *out = text_dict((PyObject *)b);
    return out == NULL ? NULL : Py_NewRef(out);
}

static PyObject *TermBag_update(TermBag *b, PyObject *other) {
    if (bag_update(b, other) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *TermBag_copy(TermBag *b, PyObject *unused) {
    TermBag *out = (TermBag *)new_term_bag();
    for (Py_ssize_t k = 0; out != NULL && k < b->n; k++) {
        if (bag_append(out, b->entries[k].key, b->entries[k].hash, b->entries[k].value) < 0) {
            Py_CLEAR(out);
        }
    }
    return (PyObject *)out;
}

static PyObject *TermBag_get(TermBag *b, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get takes 1 or 2 arguments");
        return NULL;
    }
    Py_ssize_t at = bag_lookup(b, args[0]);
    if (at >= 0) {
        return PyFloat_FromDouble(b->entries[at].value);
    }
    return at == -2 ? NULL : Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

static PyObject *TermBag_richcompare(PyObject *a, PyObject *b, int op) {
    if ((op != Py_EQ && op != Py_NE) || !is_term_bag(a) || !(is_term_bag(b) || PyDict_Check(b))) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    PyObject *mine = bag_dict((TermBag *)a);
    if (mine == NULL) {
        return NULL;
    }
    PyObject *theirs = is_term_bag(b) ? bag_dict((TermBag *)b) : Py_NewRef(b);
    PyObject *out = theirs == NULL ? NULL : PyObject_RichCompare(mine, theirs, op);
    Py_DECREF(mine);
    Py_XDECREF(theirs);
    return out;
}

static PyObject *TermBag_repr(TermBag *b) {
    PyObject *mine = bag_dict(b);
    PyObject *out = mine == NULL ? NULL : PyUnicode_FromFormat("TermBag(%R)", mine);
    Py_XDECREF(mine);
    return out;
}

static PyObject *TermBag_reduce(TermBag *b, PyObject *unused) {
    PyObject *mine = bag_dict(b);
    PyObject *out = mine == NULL ? NULL : Py_BuildValue("(O(O))", Py_TYPE(b), mine);
    Py_XDECREF(mine);
    return out;
}

static PyObject *TermBag_get_version(TermBag *b, void *unused) {
    return PyLong_FromUnsignedLongLong(b->version);
}

static PyGetSetDef TermBag_getset[] = {
    {"version", (getter)TermBag_get_version, NULL, "changes with every write (never a dict's or another's)", NULL},
    {NULL},
};

static PyMethodDef TermBag_methods[] = {
    {"get", (PyCFunction)(void (*)(void))TermBag_get, METH_FASTCALL, "the weight, else default"},
    {"keys", (PyCFunction)TermBag_keys, METH_NOARGS, "the terms in the order added (a list)"},
    {"values", (PyCFunction)TermBag_values, METH_NOARGS, "their weights (a list)"},
    {"items", (PyCFunction)TermBag_items, METH_NOARGS, "(term, weight) pairs (a list)"},
    {"copy", (PyCFunction)TermBag_copy, METH_NOARGS, "a TermBag of the same items in the same order"},
    {"update", (PyCFunction)TermBag_update, METH_O, "sets each item of a mapping or of an iterable of pairs"},
    {"as_dict", (PyCFunction)TermBag_as_dict, METH_NOARGS,
     "a dict of the items, kept until the next write (a snapshot: not to be written)"},
    {"__reduce__", (PyCFunction)TermBag_reduce, METH_NOARGS, NULL},
    {NULL},
};

static PyMappingMethods TermBag_as_mapping = {
    .mp_length = (lenfunc)TermBag_length,
    .mp_subscript = (binaryfunc)TermBag_subscript,
    .mp_ass_subscript = (objobjargproc)TermBag_ass_subscript,
};

static PySequenceMethods TermBag_as_sequence = {
    .sq_contains = (objobjproc)TermBag_contains,
};

PyDoc_STRVAR(TermBag_doc,
"TermBag([mapping])\n\n"
"A story's text bag (StoryFeatures.title, body, all): term -> float weight, in the order\n"
"terms were first added, as a dict of floats holds them; grows only (a term is never\n"
"removed). bag[t] = w sets a weight (stored as a float); get, in, len, iteration, keys,\n"
"values, items, copy, == with dicts as a dict's.");

static PyTypeObject TermBagType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "storyline._speedups.TermBag",
    .tp_basicsize = sizeof(TermBag),
    .tp_dealloc = (destructor)TermBag_dealloc,
    .tp_repr = (reprfunc)TermBag_repr,
    .tp_as_sequence = &TermBag_as_sequence,
    .tp_as_mapping = &TermBag_as_mapping,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = TermBag_doc,
    .tp_traverse = (traverseproc)TermBag_traverse,
    .tp_clear = (inquiry)TermBag_clear_refs,
    .tp_richcompare = TermBag_richcompare,
    .tp_iter = (getiterfunc)TermBag_iter,
    .tp_methods = TermBag_methods,
    .tp_getset = TermBag_getset,
    .tp_new = TermBag_new,
};
