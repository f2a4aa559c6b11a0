/* bags.c: the clusterer's loops over sparse term -> weight dicts (bags): weighted_dot,
 * weighted_square_sum, weighted, add_into, square_sum (references in
 * storyline/cluster/_sparse.py). Uses common.c (Sum, idf_of, float_of, FAILED); shared_dot,
 * declared here, is defined in compare.c. */

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
static int weight_and_idf_of(PyObject *idf, PyObject *term, PyObject *value, double *weight, double *term_idf) {
    Py_INCREF(term);
    *weight = float_of(value);
    *term_idf = FAILED(*weight) ? -1.0 : idf_of(idf, term);
    Py_DECREF(term);
    return FAILED(*term_idf) ? -1 : 0;
}

/* weight_and_idf of an exact float weight of the term of entry ``e`` of the IDF table,
 * whose weight is of an older epoch: read again at the entry found (term_refresh), not
 * searched for again. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int refreshed_weight_and_idf(TermTable *t, TermEntry *e, PyObject *term, PyObject *value, double *weight,
                                    double *term_idf) {
    *weight = PyFloat_AS_DOUBLE(value);
    Py_INCREF(term); /* held while Python code may run (term_read, where the owner is odd) */
    *term_idf = term_refresh(t, term, e);
    Py_DECREF(term);
    return FAILED(*term_idf) ? -1 : 0;
}

/* weight_and_idf_of, inline for an exact float weight of an exact str term the IDF table
 * weighs at this epoch (the loops' common case: no Python code can run); one it holds
 * with an older epoch's weight is read again where it was found. */
static inline int weight_and_idf(PyObject *idf, PyObject *term, PyObject *value, double *weight, double *term_idf) {
    if (PyFloat_CheckExact(value) && is_term_table(idf) && PyUnicode_CheckExact(term)
            && ((PyASCIIObject *)term)->hash != -1) {
        TermTable *t = (TermTable *)idf;
        Py_ssize_t empty;
        TermEntry *e = term_find_str(t, term, ((PyASCIIObject *)term)->hash, &empty);
        if (e != NULL && e->epoch == t->epoch) {
            *weight = PyFloat_AS_DOUBLE(value);
            *term_idf = e->idf;
            return 0;
        }
        if (e != NULL) {
            return refreshed_weight_and_idf(t, e, term, value, weight, term_idf);
        }
    }
    return weight_and_idf_of(idf, term, value, weight, term_idf);
}

/* A bag argument of the Python-facing kernels as a dict (a TermBag's snapshot: text_dict,
 * borrowed), else NULL with TypeError set, as PyArg_ParseTuple's "O!" with dict raises. */
static PyObject *dict_arg(PyObject *bag, const char *function, int position) {
    PyObject *dict = text_dict(bag);
    if (dict != NULL && !PyDict_Check(dict)) {
        PyErr_Format(PyExc_TypeError, "%s() argument %d must be dict, not %.100s", function, position,
                     Py_TYPE(bag)->tp_name);
        return NULL;
    }
    return dict;
}

/* A walk of a bag, a dict or a TermBag, in its order: each step gives the term
 * (borrowed) and its value, an object (``value``) for a dict, a double (``number``,
 * ``value`` NULL) for a TermBag. */
typedef struct {
    PyObject *bag;
    Py_ssize_t pos, size;
    PyObject *term, *value;
    double number;
} BagWalk;

static inline void walk_start(BagWalk *w, PyObject *bag) {
    w->bag = bag;
    w->pos = 0;
    w->size = bag_size(bag);
}

static inline int walk_next(BagWalk *w) {
    if (!is_term_bag(w->bag)) {
        return dict_next(w->bag, &w->pos, &w->term, &w->value);
    }
    TermBag *b = (TermBag *)w->bag;
    if (w->pos >= b->n) {
        return 0;
    }
    w->term = b->entries[w->pos].key;
    w->number = b->entries[w->pos].value;
    w->value = NULL;
    w->pos++;
    return 1;
}

/* walk_changed for either kind of bag. */
static inline int walk_grew(BagWalk *w) {
    return is_term_bag(w->bag) ? bag_walk_changed((TermBag *)w->bag, w->size) : walk_changed(w->bag, w->size);
}

/* weight_and_idf of the walk's step (the term held meanwhile; the value too where an
 * object). */
static int step_weight_and_idf(PyObject *idf, BagWalk *w, double *weight, double *term_idf) {
    if (w->value != NULL) {
        return weight_and_idf(idf, w->term, w->value, weight, term_idf);
    }
    *weight = w->number;
    PyObject *term = Py_NewRef(w->term);
    *term_idf = idf_of(idf, term);
    Py_DECREF(term);
    return FAILED(*term_idf) ? -1 : 0;
}

/* A bag's value for ``term`` as a double, *found 0 where it has none; -1 with an
 * exception set. */
static int bag_value(PyObject *bag, PyObject *term, double *value, int *found) {
    if (is_term_bag(bag)) {
        Py_ssize_t at = bag_lookup((TermBag *)bag, term);
        *found = at >= 0;
        if (at >= 0) {
            *value = ((TermBag *)bag)->entries[at].value;
        }
        return at == -2 ? -1 : 0;
    }
    PyObject *v = PyDict_GetItemWithError(bag, term);
    *found = v != NULL;
    if (v == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    *value = float_of(v);
    return FAILED(*value) ? -1 : 0;
}

/* A dict or a TermBag. */
static inline int is_bag(PyObject *o) {
    return PyDict_Check(o) || is_term_bag(o);
}

PyDoc_STRVAR(weighted_dot_doc,
"weighted_dot(small, large, idf) -> float\n\n"
"sum([v * large[t] * idf[t] for t, v in small.items() if t in large])");

static PyObject *weighted_dot(PyObject *self, PyObject *args) {
    PyObject *small, *large, *idf;
    if (!PyArg_ParseTuple(args, "OOO:weighted_dot", &small, &large, &idf)
            || (small = dict_arg(small, "weighted_dot", 1)) == NULL || (large = dict_arg(large, "weighted_dot", 2)) == NULL) {
        return NULL;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "weighted_dot: idf must be a dict");
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
    if (!PyArg_ParseTuple(args, "OO:weighted_square_sum", &bag, &idf)
            || (bag = dict_arg(bag, "weighted_square_sum", 1)) == NULL) {
        return NULL;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "weighted_square_sum: idf must be a dict");
        return NULL;
    }
    Sum s = {0.0, 0.0};
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    if (PyDict_GET_SIZE(bag) == 0) {
        return PyLong_FromLong(0);
    }
    Py_ssize_t size = PyDict_GET_SIZE(bag);
    while (dict_next(bag, &pos, &term, &value)) {
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
    while (dict_next(bag, &pos, &term, &value)) {
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
    if (!PyArg_ParseTuple(args, "OO:weighted", &bag, &idf) || (bag = dict_arg(bag, "weighted", 1)) == NULL) {
        return NULL;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "weighted: idf must be a dict");
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

/* The squared norm's update for a term whose value went from ``old`` to ``updated``. */
static inline int add_square(PyObject *term, double old, double updated, PyObject *idf, double *squared, IdfMemo *memo) {
    double w = memo == NULL ? idf_of(idf, term) : memo->known ? memo->weights[memo->at] : idf_of(idf, term);
    if (memo != NULL) {
        memo->weights[memo->at++] = w;
    }
    if (FAILED(w)) {
        return -1;
    }
    *squared += (updated * updated - old * old) * (w * w);
    return 0;
}

/* add_weight for any bag and term (add_weight's inline path takes an exact str into a
 * TermBag). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int add_weight_of(PyObject *bag, PyObject *term, double weight, PyObject *idf, double *squared,
                         IdfMemo *memo) {
    double old = 0.0, updated = old + weight;
    if (is_term_bag(bag)) {
        Py_INCREF(term); /* held while Python code may run (a key's __eq__, the IDF's __missing__) */
        int status = termbag_add((TermBag *)bag, term, weight, &old, &updated);
        if (status == 0 && squared != NULL) {
            status = add_square(term, old, updated, idf, squared, memo);
        }
        Py_DECREF(term);
        return status;
    }
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
        done = add_square(term, old, updated, idf, squared, memo);
    }
    Py_DECREF(term);
    return done;
}

/* add_term of a weight read already. A TermBag's value is summed in place (no float made,
 * no insert): an exact str found or put inline (the stream's terms), where no Python code
 * runs but the IDF's read; else add_weight_of. */
static inline int add_weight(PyObject *bag, PyObject *term, double weight, PyObject *idf, double *squared,
                             IdfMemo *memo) {
    if (is_term_bag(bag) && PyUnicode_CheckExact(term) && ((PyASCIIObject *)term)->hash != -1) {
        double old, updated;
        int done = bag_add_str((TermBag *)bag, term, ((PyASCIIObject *)term)->hash, weight, &old, &updated);
        if (done == 0 && squared != NULL) {
            Py_INCREF(term); /* held while the IDF's read may run Python code */
            done = add_square(term, old, updated, idf, squared, memo);
            Py_DECREF(term);
        }
        if (done != -2) { /* -2: an entry of its hash is no exact str (add_weight_of compares) */
            return done;
        }
    }
    return add_weight_of(bag, term, weight, idf, squared, memo);
}

static inline int add_term(PyObject *bag, PyObject *term, PyObject *value, PyObject *idf, double *squared,
                           IdfMemo *memo) {
    double weight = PyFloat_CheckExact(value) ? PyFloat_AS_DOUBLE(value) : PyFloat_AsDouble(value);
    if (FAILED(weight)) {
        return -1;
    }
    return add_weight(bag, term, weight, idf, squared, memo);
}

/* Whether adding ``part`` into ``bag`` is a copy of it: ``bag`` an empty plain dict and
 * ``part`` a plain dict of exact str terms and exact float weights, none -0.0 (0.0 + w is
 * then w itself, bit for bit, and no Python code runs). A new story's bags fill so, in
 * one PyDict_Update (which clones the part's table) instead of an insert per term; the
 * bag then shares the part's floats, which add_term only changes in place when the bag
 * holds the sole reference. */
static int copies_into_empty(PyObject *bag, PyObject *part) {
    if (!PyDict_CheckExact(bag) || !PyDict_CheckExact(part) || PyDict_GET_SIZE(bag) != 0) {
        return 0;
    }
    Py_ssize_t pos = 0;
    PyObject *term, *value;
    while (dict_next(part, &pos, &term, &value)) {
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
    if (is_term_bag(part)) { /* a story's bag merged into another's: its entries in order */
        TermBag *p = (TermBag *)part;
        Py_ssize_t size = p->n;
        for (Py_ssize_t k = 0; k < size; k++) {
            term = Py_NewRef(p->entries[k].key); /* held: Python code may run (add_term) */
            int status = add_weight(bag, term, p->entries[k].value, idf, squared, memo);
            Py_DECREF(term);
            if (status < 0 || bag_walk_changed(p, size) < 0) {
                return -1;
            }
        }
        return 0;
    }
    Py_ssize_t size = PyDict_GET_SIZE(part);
    if (squared == NULL && copies_into_empty(bag, part)) {
        return PyDict_Update(bag, part);
    }
    if (bag_reserve_for(bag, size) < 0) { /* room for the part's terms made once */
        return -1;
    }
    while (dict_next(part, &pos, &term, &value)) {
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
    if (!PyArg_ParseTuple(args, "OOOO:add_into", &bag, &part, &idf, &squared_arg)) {
        return NULL;
    }
    if (!(PyDict_Check(bag) || is_term_bag(bag)) || !(PyDict_Check(part) || is_term_bag(part))) {
        PyErr_SetString(PyExc_TypeError, "add_into: bag and part must be dicts or TermBags");
        return NULL;
    }
    if (squared_arg == Py_None) {
        if (add_terms(bag, part, NULL, NULL, NULL) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (!idf_mapping(idf)) {
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
    arg = text_dict(arg);
    if (arg == NULL) {
        return NULL;
    }
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
    while (dict_next(arg, &pos, &term, &value)) {
        double v = PyFloat_AsDouble(value);
        if (FAILED(v)) {
            return NULL;
        }
        sum_add(&s, v * v);
    }
    return PyFloat_FromDouble(sum_result(&s));
}
