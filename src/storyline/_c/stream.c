/* stream.c: the stream's join decision and a story's sums grown by an article: best_story
 * (reference in storyline/cluster/online.py; its banner in compare.c); decide and
 * retrieve_and_decide (online.py), the article read as a refinement side (article_side,
 * side_cosine_of); add_article and count_article (references in
 * storyline/cluster/features.py); register_stream. Uses common.c, bags.c, bookkeeping.c
 * (add_bags_of, count_terms_of, best_of), keyindex.c (index_top), compare.c (pair_values,
 * text_cosines, norms) and refine.c (Side and its bags). */

/* stories[sid] as PyDict_GetItemWithError finds it (borrowed; NULL where it holds none or
 * with an exception set), searched inline on 3.11 where ``sid`` is an exact int of one
 * digit or none (a story id) and ``stories`` a combined table of any keys: CPython's probe
 * sequence over its index (Objects/dictobject.c), a key compared by identity, or as an
 * exact int of one digit or none by its digit; any other key of its hash is looked up.
 * No Python code runs but in that lookup. */
static inline PyObject *story_of(PyObject *stories, PyObject *sid) {
#if DICT_NEXT_INLINE
    PyDictObject *mp = (PyDictObject *)stories;
    if (PyLong_CheckExact(sid) && Py_SIZE(sid) >= 0 && Py_SIZE(sid) <= 1 && PyDict_Check(stories)
            && mp->ma_values == NULL && ((const DictKeys311 *)mp->ma_keys)->dk_kind == 0) {
        const DictKeys311 *dk = (const DictKeys311 *)mp->ma_keys;
        digit value = Py_SIZE(sid) == 0 ? 0 : ((PyLongObject *)sid)->ob_digit[0];
        Py_hash_t hash = (Py_hash_t)value; /* an int's hash, below 2 ** 30 */
        const DictEntry311 *e = (const DictEntry311 *)(dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
        size_t mask = ((size_t)1 << dk->dk_log2_size) - 1, perturb = (size_t)hash, i = (size_t)hash & mask;
        for (;;) {
            Py_ssize_t ix = dk->dk_log2_size < 8    ? ((const int8_t *)dk->dk_indices)[i]
                            : dk->dk_log2_size < 16 ? ((const int16_t *)dk->dk_indices)[i]
                            : dk->dk_log2_size < 32 ? ((const int32_t *)dk->dk_indices)[i]
                                                    : (Py_ssize_t)((const int64_t *)dk->dk_indices)[i];
            if (ix == -1) { /* DKIX_EMPTY: none */
                return NULL;
            }
            if (ix >= 0) {
                PyObject *stored = e[ix].key;
                if (stored == sid) {
                    return e[ix].value;
                }
                if (e[ix].hash == hash) {
                    if (!PyLong_CheckExact(stored) || Py_SIZE(stored) < 0 || Py_SIZE(stored) > 1) {
                        break; /* a key of its hash that may equal it: looked up */
                    }
                    if ((Py_SIZE(stored) == 0 ? 0 : ((PyLongObject *)stored)->ob_digit[0]) == value) {
                        return e[ix].value;
                    }
                }
            }
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
    }
#endif
    return PyDict_GetItemWithError(stories, sid);
}

/* Whether an article of day ``own_day`` (not None) and a story lie more than ``window``
 * days apart: abs(own_day - story.day) > window, computed as Python computes it, where the
 * story has a last day; 1, 0 or -1 with an exception set. ``exact`` is NULL, or the two as
 * exact_double reads them, read once by a caller that tests many stories. */
static int out_of_window(Held *h, PyObject *own_day, PyObject *story, PyObject *window, const double *exact) {
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
    int exact_own = exact != NULL ? (own = exact[0], limit = exact[1], 1)
                                  : exact_double(own_day, &own) && exact_double(window, &limit);
    if (day_sum != NULL && exact_own && story_day_double(day_sum, day_n, &day)) {
        return fabs(own - day) > limit; /* a float and a float or an exact int compare so */
    }
    PyObject *story_day = !dated ? Py_NewRef(Py_None) : day_sum == NULL ? NULL : PyNumber_TrueDivide(day_sum, day_n);
    PyObject *gap = story_day == NULL ? NULL : hold(h, PyNumber_Subtract(own_day, hold(h, story_day)));
    PyObject *apart = gap == NULL ? NULL : hold(h, PyNumber_Absolute(gap));
    return apart == NULL ? -1 : PyObject_RichCompareBool(apart, window, Py_GT);
}

/* out_of_window of a story whose day fields are plain slots holding exact ints or floats
 * (the stream's), the article's day and the window read as doubles (``exact``): 1 or 0,
 * read from the slots without holding them (no Python code runs); -2 (nothing set) where
 * out_of_window must read it. */
static int out_of_window_slots(PyObject *story, const double *exact) {
    const Py_ssize_t *offsets = slot_offsets(Py_TYPE(story));
    if (offsets == NULL || offsets[K_LAST_DAY] == 0 || offsets[K_DAY_N] == 0 || offsets[K_DAY_SUM] == 0) {
        return -2;
    }
    PyObject *last_day = *(PyObject **)((char *)story + offsets[K_LAST_DAY]);
    if (last_day == Py_None) {
        return 0;
    }
    PyObject *day_n = *(PyObject **)((char *)story + offsets[K_DAY_N]);
    PyObject *day_sum = *(PyObject **)((char *)story + offsets[K_DAY_SUM]);
    double day;
    /* a story of no dated article (day_n 0) has no day: out_of_window raises there */
    if (last_day == NULL || day_n == NULL || day_sum == NULL || !story_day_double(day_sum, day_n, &day)) {
        return -2;
    }
    return fabs(exact[0] - day) > exact[1];
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
    int windowed; /* the stories are known to lie within the window (decide's own test) */
    double *w_room; /* NULL, or room for MODEL_WEIGHTS doubles: *w is made there where the
                     * weights are kept (kept_weights), not allocated */
} Judge;

/* the most weights a model has: one per feature and one per pair of them */
#define MODEL_WEIGHTS (PAIR_FEATURES + PAIR_FEATURES * (PAIR_FEATURES - 1) / 2)

/* The last two models' weights (the stream's decide alternates between its headline model
 * and the other) as the float objects of their list or tuple, held, and as doubles. */
typedef struct {
    PyObject *items[MODEL_WEIGHTS];
    double values[MODEL_WEIGHTS];
    Py_ssize_t n;
} KeptWeights;
static KeptWeights kept_weights[2];
static int kept_weights_next = 0;

/* A list or tuple of exact floats ``weights`` as doubles into ``out`` (room for
 * MODEL_WEIGHTS) and their count into *m: 1, or 0 (nothing set) for other weights. Read
 * once per model, not per decide: a sequence that holds the same float objects as one
 * read before (held since: none freed and another made at its address) holds the same
 * values. */
static int kept_model_weights(PyObject *weights, double *out, Py_ssize_t *m) {
    if (!PyList_CheckExact(weights) && !PyTuple_CheckExact(weights)) {
        return 0;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(weights);
    PyObject **items = PySequence_Fast_ITEMS(weights);
    if (n == 0 || n > MODEL_WEIGHTS) {
        return 0;
    }
    KeptWeights *kept = NULL;
    for (int k = 0; k < 2 && kept == NULL; k++) {
        if (kept_weights[k].n == n && memcmp(kept_weights[k].items, items, sizeof(PyObject *) * (size_t)n) == 0) {
            kept = &kept_weights[k];
        }
    }
    if (kept == NULL) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!PyFloat_CheckExact(items[i])) {
                return 0;
            }
        }
        kept = &kept_weights[kept_weights_next];
        kept_weights_next ^= 1;
        /* no Python code runs here (a float's dealloc runs none): the items stay */
        for (Py_ssize_t i = 0; i < kept->n; i++) {
            Py_DECREF(kept->items[i]);
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            kept->items[i] = Py_NewRef(items[i]);
            kept->values[i] = PyFloat_AS_DOUBLE(items[i]);
        }
        kept->n = n;
    }
    memcpy(out, kept->values, sizeof(double) * (size_t)n);
    *m = n;
    return 1;
}

/* best_story's reading of the story ``sid`` (its text cosine ``cross``, or None; or
 * *known_cross where that is not NULL): 1 with the model's margin over the threshold in
 * *margin, 0 where the story is out of the window or its words miss the floor, -1 with an
 * exception set. ``kept`` is NULL, or the story and its fresh norms as text_cosines kept them
 * (the norms NULL where not yet read: decide found the story alone), held by the caller
 * with ``sid`` and ``cross`` until it returns. */
static int join_margin(const Judge *j, PyObject *sid, PyObject *cross, const double *known_cross,
                       PyObject *const *kept, double *margin) {
    Held each;
    each.n = 0;
    /* held while Python code may run below: by the caller where it kept the story (decide
     * holds its candidates, their stories and norms until it returns), else here */
    if (kept == NULL) {
        hold(&each, Py_NewRef(sid));
        hold(&each, Py_NewRef(cross));
    }
    PyObject *story = kept != NULL ? kept[0] : story_of(j->stories, sid);
    if (story == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, sid);
        }
        release(&each);
        return -1;
    }
    if (kept == NULL) {
        hold(&each, Py_NewRef(story));
    }
    int apart = j->own_day == Py_None || j->windowed ? 0 : out_of_window(&each, j->own_day, story, j->window, NULL);
    PyObject *norms = apart != 0 ? NULL
                      : kept != NULL && kept[1] != NULL ? kept[1]
                                                        : hold(&each, story_norms(story, j->df));
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
        *j->w = j->w_room != NULL && kept_model_weights(j->weights, j->w_room, j->m) ? j->w_room
                                                                                    : doubles_of(j->weights, j->m);
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
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "best_story: the IDF weights must be a dict");
        goto fail;
    }
    Py_ssize_t pos = 0;
    PyObject *sid, *cross;
    while (PyDict_Next(ranked, &pos, &sid, &cross)) {
        Judge judge = {vectors, NULL, NULL, own_day, stories, df, idf, floor_obj, window, weights, &w, &m, bias, threshold,
                       0, NULL};
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

/* ---- The stream's join decision on arrays (decide below): the article read as a
 * refinement side (its bags as arrays of term, hash, weight, weighted value and IDF, with
 * hash tables) in place of an ArticleVectors, so that no dict or float is made per article
 * term; its bags' cosines with a story's bags in cosine_of's order. ---- */

/* Title + body as the ArticleVectors weighs them (side_all's S_ALL_VECTOR) and no
 * one-article story (S_ALL_STORY: refinement reads it, decide does not). A headline's is
 * its title bag itself (side_all copies it term for term, norm and all): the two share
 * their arrays, and decide_side_free lets go of the title's once. */
static int side_all_vector(Side *s) {
    SideBag *title = &s->bag[S_TITLE], *body = &s->bag[S_BODY], *vector = &s->bag[S_ALL_VECTOR];
    if (body->n == 0) {
        *vector = *title;
        return 0;
    }
    if (bag_alloc(s, vector, title->n + body->n) < 0) {
        return -1;
    }
    add_vector_terms(vector, title, body);
    return 0;
}

/* side_free of a side read for decide (side_all_vector): a title bag the all-vector
 * shares is freed as the title's only. */
static void decide_side_free(Side *s) {
    SideBag *vector = &s->bag[S_ALL_VECTOR];
    if (vector->n != 0 && vector->terms == s->bag[S_TITLE].terms) {
        *vector = (SideBag){0};
    }
    side_free(s);
}

/* An article's side as decide reads it: its bags (title, body, entities, years, the three
 * kinds, title + body both ways), the IDF weights read (or computed) in the order
 * ArticleVectors(features, df) reads them, none of the rest (side_of reads that); NULL
 * with an exception set. ``for_decide``: title + body only as the article's vector
 * (side_all_vector), freed by decide_side_free; else both ways (side_all), freed by
 * side_free. ``reads`` is NULL, or the weights top read. ``texts`` is NULL, or gets new
 * references to the title and body it read (NULL on failure). */
static Side *read_side(PyObject *f, PyObject *idf, TopReads *reads, int for_decide, PyObject **texts) {
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
     * each), title + body both ways (one way for decide) */
    size_t room = bag_room(sizes[0]) + bag_room(sizes[1]) + 4 * bag_room(sizes[2]) + bag_room(sizes[3])
                  + (for_decide ? 1 : 2) * bag_room(sizes[0] + sizes[1]);
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
        if (bag == NULL || side_bag(s, &s->bag[slots[i]], bag, idf, reads) < 0) {
            goto fail;
        }
        if (texts != NULL && i < 2) {
            texts[i] = Py_NewRef(bag);
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
    if (failed || (for_decide ? side_all_vector(s) : side_all(s)) < 0) {
        goto fail;
    }
    release(&h);
    return s;
fail:
    release(&h);
    if (texts != NULL) {
        Py_CLEAR(texts[0]);
        Py_CLEAR(texts[1]);
    }
    if (for_decide) {
        decide_side_free(s);
    } else {
        side_free(s);
    }
    return NULL;
}

static Side *article_side(PyObject *f, PyObject *idf) {
    return read_side(f, idf, NULL, 0, NULL);
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

/* The memo place (norm_slot) of the norm of the ArticleVectors vector <name>. */
static inline int side_norm_slot(int name) {
    switch (name) {
    case K_TITLE:
        return NORM_TITLE;
    case K_BODY:
        return NORM_BODY;
    case K_ALL:
        return NORM_ALL;
    case K_ENTITIES:
        return NORM_ENTITIES;
    case K_YEARS:
        return NORM_YEARS;
    default:
        return NORM_PEOPLE + (name - K_PEOPLE);
    }
}

static int side_names(const Side *side, int name) {
    return side->bag[side_slot(name)].n != 0;
}

/* side_find of a story bag's key that is no exact str (a str subclass, any other key),
 * compared with the side's terms as a dict of them compares a key looked up (identity,
 * then ==, which may run Python code: the side, C data, stays as it is): the term's index,
 * -1 where none equals it, -2 with an exception set. */
static Py_ssize_t side_find_equal(const SideBag *bag, PyObject *key, Py_hash_t hash) {
    if (bag->n == 0) {
        return -1;
    }
    for (size_t at = (size_t)hash & bag->mask;; at = (at + 1) & bag->mask) {
        Py_ssize_t k = bag->table[at];
        if (k == 0) {
            return -1;
        }
        const SideTerm *t = &bag->terms[k - 1];
        if (t->term == key) {
            return k - 1;
        }
        if (t->hash == hash) {
            int equal = PyObject_RichCompareBool(t->term, key, Py_EQ);
            if (equal != 0) {
                return equal < 0 ? -2 : k - 1;
            }
        }
    }
}

/* side_cosine_of's sum where the story's bag is a TermBag: the same terms, products and
 * order as with the equal dict (a walk of its entries is a walk of the dict). */
static int side_cosine_of_bag(const SideBag *own, TermBag *b, double bag_norm, double *out) {
    Sum s = {0.0, 0.0};
    int any = 0;
    if (own->n > b->n) {
        Py_ssize_t size = b->n;
        for (Py_ssize_t j = 0; j < size; j++) {
            PyObject *term = b->entries[j].key;
            double v = b->entries[j].value;
            Py_ssize_t k;
            if (PyUnicode_CheckExact(term)) {
                k = side_find(own, term, b->entries[j].hash); /* the entry keeps the str's hash */
            } else {
                /* held: its __eq__ may run Python code */
                Py_INCREF(term);
                k = side_find_equal(own, term, b->entries[j].hash);
                Py_DECREF(term);
                if (k == -2 || bag_walk_changed(b, size) < 0) {
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
            /* a side's terms are exact str (side_bag takes no other) */
            Py_ssize_t at = bag_find_str(b, t->term, t->hash);
            if (at < 0) {
                if (at == -2) {
                    return -1;
                }
                continue;
            }
            sum_add(&s, t->weighted * b->entries[at].value * t->idf);
            any = 1;
        }
    }
    double total = sum_result(&s);
    *out = any && total != 0.0 ? total / (own->vector_norm * bag_norm) : 0.0;
    return 1;
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
    if (!PyDict_Check(bag) && !is_term_bag(bag)) {
        PyErr_SetString(PyExc_TypeError, "story_cosine: the vector and the bag must be dicts");
        return -1;
    }
    double bag_norm = cached_norm_at(norms, side_norm_slot(name), kernel_str[name], bag, idf);
    if (FAILED(bag_norm)) {
        return -1;
    }
    if (is_term_bag(bag)) {
        return side_cosine_of_bag(own, (TermBag *)bag, bag_norm, out);
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
            Py_ssize_t k;
            double v;
            if (PyUnicode_CheckExact(term) && PyFloat_CheckExact(value)) {
                /* no Python code runs for them: the str's hash is cached or computed in C */
                k = side_find(own, term, PyObject_Hash(term));
                v = PyFloat_AS_DOUBLE(value);
            } else {
                /* held: a key's hash and __eq__ and a value's __float__ may run Python code */
                Py_INCREF(term);
                Py_INCREF(value);
                Py_hash_t hash = PyObject_Hash(term);
                k = hash == -1 ? -2 : PyUnicode_CheckExact(term) ? side_find(own, term, hash)
                                                                 : side_find_equal(own, term, hash);
                v = k < 0 ? 0.0 : PyFloat_AsDouble(value);
                Py_DECREF(term);
                Py_DECREF(value);
                if (k == -2 || FAILED(v) || walk_changed(bag, size) < 0) {
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

/* decide's arrays by candidate lie on its stack for as many as a retrieval gives (no
 * allocation per article), else are allocated. */
#define FEW_CANDIDATES 16

/* An array of n items of ``each`` bytes: ``few`` where its ``room`` items suffice, else
 * allocated (zeroed, where asked); NULL with MemoryError set. Freed by free_candidates. */
static void *candidate_array(void *few, Py_ssize_t room, Py_ssize_t n, size_t each, int zeroed) {
    void *out = n <= room ? few : zeroed ? PyMem_Calloc((size_t)n, each) : PyMem_Malloc((size_t)n * each);
    if (out == NULL) {
        PyErr_NoMemory();
    } else if (out == few && zeroed) {
        memset(few, 0, (size_t)(n > 0 ? n : 0) * each);
    }
    return out;
}

static void free_candidates(void *array, void *few) {
    if (array != few) {
        PyMem_Free(array);
    }
}

/* Drops the n stories and norms that text_cosines kept (NULL where it kept none). */
static void drop_kept(PyObject **kept, Py_ssize_t n, PyObject **few) {
    for (Py_ssize_t i = 0; kept != NULL && i < 2 * n; i++) {
        Py_XDECREF(kept[i]);
    }
    free_candidates(kept, few);
}

/* Drops the n candidates and their stories the window test kept (stories at ``at``). */
static void drop_within(PyObject **within, Py_ssize_t n, Py_ssize_t at, PyObject **few) {
    for (Py_ssize_t i = 0; within != NULL && i < n; i++) {
        Py_DECREF(within[i]);
        Py_DECREF(within[at + i]);
    }
    free_candidates(within, few);
}

/* ---- What decide read of its article, kept for add_article: the stream adds the article
 * it decided on next (after count_article), and reads its title and body terms' IDF
 * weights again there where the story's norms are live. They are taken from here, not
 * looked up again, while the IDF dict and the article's two bags are unchanged since
 * (their version tags, CPython 3.11; elsewhere nothing is kept): the same weights, the
 * IDF dict holding each already (the side read or computed it). ---- */
typedef struct {
    PyObject *idf, *title, *body; /* held; idf NULL: nothing kept */
    uint64_t idf_version, title_version, body_version;
    double *weights; /* the title's terms' weights in its order, then the body's */
    Py_ssize_t n_title, n_body, room;
    uint64_t generation; /* advanced as each decide keeps its article's (a weights pointer
                          * taken before holds while it has not changed) */
} DecidedArticle;

static DecidedArticle decided = {NULL, NULL, NULL, 0, 0, 0, NULL, 0, 0, 0, 0};

/* What changes where the IDF weights were emptied or changed while decide read its side
 * (reads themselves add weights): a dict's keys object (an emptied one gets another),
 * the table's version. */
static inline uint64_t idf_mark(PyObject *idf) {
    return is_term_table(idf) ? term_table_version(idf) : (uint64_t)(uintptr_t)((PyDictObject *)idf)->ma_keys;
}

/* The versions of the article's title and body (bags[0], bags[1]: new references, as the
 * side read them) and of the IDF dict's keys as the side was read, for remember_decided;
 * 0 where nothing is to be kept (an IDF whose lookups may run Python code, bags that are
 * no dicts, or no version tags), the bags then let go of. */
static int decided_begin(PyObject *idf, PyObject **bags, uint64_t *versions, uint64_t *keys) {
    int kept = idf_version(idf) != 0 && idf_settled(idf);
    for (int i = 0; kept && i < 2; i++) {
        /* no version tags (3.12+): a table's version is not enough */
        kept = PyDict_CheckExact(bags[i]) && (versions[i] = dict_version(bags[i])) != 0;
    }
    if (!kept) {
        Py_CLEAR(bags[0]);
        Py_CLEAR(bags[1]);
        return 0;
    }
    *keys = idf_mark(idf);
    return 1;
}

/* Lets go of what decide kept (its article's bags and the IDF dict, which would otherwise
 * stay alive until the next decide, the last run's long after it ended). */
static void forget_decided(void) {
    decided.generation++;
    Py_CLEAR(decided.idf);
    Py_CLEAR(decided.title);
    Py_CLEAR(decided.body);
}

/* Keeps the side's title and body weights for add_article where the IDF dict kept its
 * keys object (never emptied meanwhile: an emptied one gets another) and the bags (as
 * decided_begin read them) their versions since. */
static void remember_decided(const Side *side, PyObject *idf, PyObject *const *bags, const uint64_t *versions,
                             uint64_t keys) {
    forget_decided();
    const SideBag *title = &side->bag[S_TITLE], *body = &side->bag[S_BODY];
    Py_ssize_t n = title->n + body->n;
    if (idf_mark(idf) != keys || dict_version(bags[0]) != versions[0]
            || dict_version(bags[1]) != versions[1] || PyDict_GET_SIZE(bags[0]) != title->n
            || PyDict_GET_SIZE(bags[1]) != body->n) {
        return;
    }
    if (n > decided.room) {
        double *more = PyMem_Realloc(decided.weights, sizeof(double) * (size_t)n);
        if (more == NULL) {
            return; /* nothing kept: add_article looks them up */
        }
        decided.weights = more;
        decided.room = n;
    }
    for (Py_ssize_t i = 0; i < title->n; i++) {
        decided.weights[i] = title->terms[i].idf;
    }
    for (Py_ssize_t i = 0; i < body->n; i++) {
        decided.weights[title->n + i] = body->terms[i].idf;
    }
    decided.n_title = title->n;
    decided.n_body = body->n;
    decided.title = Py_NewRef(bags[0]);
    decided.body = Py_NewRef(bags[1]);
    decided.title_version = versions[0];
    decided.body_version = versions[1];
    decided.idf = Py_NewRef(idf);
    decided.idf_version = idf_version(idf);
}

/* The IDF weights of the terms of ``title`` and ``body`` in their order (into known[0],
 * known[1]), where decide kept them for these bags and nothing changed since; else NULL. */
static void decided_weights(PyObject *idf, PyObject *title, PyObject *body, const double **known) {
    known[0] = known[1] = NULL;
    if (decided.idf != NULL && decided.idf == idf && decided.title == title && decided.body == body
            && idf_version(idf) == decided.idf_version && dict_version(title) == decided.title_version
            && dict_version(body) == decided.body_version) {
        known[0] = decided.weights;
        known[1] = decided.weights + decided.n_title;
    }
}

PyDoc_STRVAR(decide_doc,
"decide(features, candidates, stories, df, count, floor, window_days, weights, bias, threshold)\n"
"    -> story id | None\n\n"
"best_story over an article's ranked candidates (distinct ids into ``stories``): the\n"
"``count`` best by their text cosine where there are more, else all (storyline.cluster.online).");

/* decide of its 10 arguments, the candidates (args[1]) read from ``ids`` (n_ids of them,
 * held by the caller) where that is not NULL; ``reads`` is NULL, or the IDF weights
 * KeyIndex.top read for the article's keys (retrieve_and_decide). */
static PyObject *decide_of(PyObject *const *args, PyObject *const *ids, Py_ssize_t n_ids, TopReads *reads) {
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
    PyObject *best = NULL, *texts[2] = {NULL, NULL};
    Side *side = NULL;
    double best_margin = 0.0, *w = NULL, *cosines = NULL, few_cosines[FEW_CANDIDATES], w_room[MODEL_WEIGHTS];
    Py_ssize_t m = 0, *order = NULL, kept_n = 0, few_order[FEW_CANDIDATES];
    PyObject **kept = NULL; /* the ranked candidates' stories and norms (text_cosines) */
    PyObject **within = NULL; /* the candidates within the window, then (at within_at) their stories */
    Py_ssize_t within_n = 0, within_at = 0;
    PyObject *few_kept[2 * FEW_CANDIDATES], *few_within[2 * FEW_CANDIDATES];
    PyObject *idf = held_attr(&h, df, K_WEIGHTS);
    if (idf == NULL) {
        goto fail;
    }
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "decide: the IDF weights must be a dict");
        goto fail;
    }
    /* the article's title and body and their versions, to keep the side's weights for
     * add_article */
    side = read_side(features, idf, reads, 1, texts);
    uint64_t text_versions[2] = {0, 0};
    uint64_t idf_keys = 0;
    if (side != NULL) {
        decided_begin(idf, texts, text_versions, &idf_keys);
    }
    /* a tuple of them (a list's own array and items may be freed by Python code run
     * below: an IDF's __missing__, a story id's __eq__) */
    PyObject *candidates = side == NULL || ids != NULL ? NULL : hold(&h, PySequence_Tuple(args[1]));
    int ready = side != NULL && (ids != NULL || candidates != NULL);
    /* the fields pair_values reads of the article, read once */
    static const int own_names[] = {K_BODY, K_NUMBERS, K_MAIN, K_DAY, K_WEEKDAYS, K_MONTHS, K_YEARS, K_HEADLINE_ONLY};
    PyObject *own[K_COUNT] = {NULL};
    for (size_t i = 0; ready && i < sizeof own_names / sizeof own_names[0]; i++) {
        if ((own[own_names[i]] = held_attr(&h, features, own_names[i])) == NULL) {
            goto fail;
        }
    }
    PyObject *own_day = ready ? own[K_DAY] : NULL;
    if (own_day == NULL) {
        goto fail;
    }
    Py_ssize_t n = ids != NULL ? n_ids : PyTuple_GET_SIZE(candidates);
    PyObject **sids = ids != NULL ? (PyObject **)ids : &PyTuple_GET_ITEM(candidates, 0);
    PyObject **found = NULL; /* their stories, where the window test found them */
    if (own_day != Py_None) {
        /* the candidates within the time window (online.in_window), in their order: an
         * out-of-window story never joins, and takes no place among those ranked. Kept
         * (held) with their stories: read again below without the lookups, and not tested
         * again (the stories do not change meanwhile) */
        within_at = n <= FEW_CANDIDATES ? FEW_CANDIDATES : n;
        if ((within = candidate_array(few_within, 2 * FEW_CANDIDATES, 2 * within_at, sizeof(PyObject *), 0)) == NULL) {
            goto fail;
        }
        Py_ssize_t in = 0;
        double days[2]; /* the article's day and the window, where exact_double reads them */
        int exact_days = exact_double(own_day, &days[0]) && exact_double(args[6], &days[1]);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *story = story_of(stories, sids[i]);
            if (story == NULL) {
                if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, sids[i]);
                }
                goto fail;
            }
            int apart = exact_days ? out_of_window_slots(story, days) : -2;
            if (apart == -2) {
                Held each;
                each.n = 0;
                hold(&each, Py_NewRef(story));
                apart = out_of_window(&each, own_day, story, args[6], exact_days ? days : NULL);
                release(&each);
            }
            if (apart < 0) {
                goto fail;
            }
            if (!apart) {
                within[within_at + in] = Py_NewRef(story);
                within[in] = Py_NewRef(sids[i]);
                within_n = ++in;
            }
        }
        n = in;
        sids = within;
        found = within + within_at;
    }
    /* ranked: the ``count`` best by their text cosine (as the slice [:count] of them) where
     * there are more candidates, else all of them, their cosine unknown */
    Py_ssize_t ranked = n;
    if (n > count) {
        ranked = count < 0 ? (n + count > 0 ? n + count : 0) : count;
        if ((cosines = candidate_array(few_cosines, FEW_CANDIDATES, n, sizeof(double), 0)) == NULL
                || (order = candidate_array(few_order, FEW_CANDIDATES, n, sizeof(Py_ssize_t), 0)) == NULL
                || (kept = candidate_array(few_kept, 2 * FEW_CANDIDATES, 2 * n, sizeof(PyObject *), 1)) == NULL) {
            goto fail;
        }
        kept_n = n;
        if (text_cosines(NULL, NULL, side, sids, n, found, stories, df, idf, cosines, kept) < 0
                || best_of((const char *)cosines, sizeof(double), n, ranked, order) < 0) {
            goto fail;
        }
    }
    Judge judge = {features, side, own, own_day, stories, df, idf, args[5], args[6], args[7], &w, &m, bias, threshold,
                   found != NULL, w_room};
    for (Py_ssize_t j = 0; j < ranked; j++) {
        PyObject *sid = sids[order == NULL ? j : order[j]];
        PyObject *alone[2] = {found != NULL ? found[j] : NULL, NULL}; /* a story found, its norms not read */
        double margin;
        int read = order != NULL ? join_margin(&judge, sid, Py_None, &cosines[order[j]], &kept[2 * order[j]], &margin)
                   : join_margin(&judge, sid, Py_None, NULL, found != NULL ? alone : NULL, &margin);
        if (read < 0) {
            goto fail;
        }
        if (read > 0 && margin >= best_margin) {
            best_margin = margin;
            Py_XSETREF(best, Py_NewRef(sid));
        }
    }
    if (texts[0] != NULL) {
        remember_decided(side, idf, texts, text_versions, idf_keys);
    }
    Py_XDECREF(texts[0]);
    Py_XDECREF(texts[1]);
    release(&h);
    decide_side_free(side);
    if (w != w_room) {
        PyMem_Free(w);
    }
    free_candidates(cosines, few_cosines);
    free_candidates(order, few_order);
    drop_kept(kept, kept_n, few_kept);
    drop_within(within, within_n, within_at, few_within);
    return best != NULL ? best : Py_NewRef(Py_None);
fail:
    Py_XDECREF(texts[0]);
    Py_XDECREF(texts[1]);
    release(&h);
    if (side != NULL) {
        decide_side_free(side);
    }
    if (w != w_room) {
        PyMem_Free(w);
    }
    free_candidates(cosines, few_cosines);
    free_candidates(order, few_order);
    drop_kept(kept, kept_n, few_kept);
    drop_within(within, within_n, within_at, few_within);
    Py_XDECREF(best);
    return NULL;
}

static PyObject *decide(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "decide takes 10 arguments");
        return NULL;
    }
    return decide_of(args, NULL, 0, NULL);
}

PyDoc_STRVAR(retrieve_and_decide_doc,
"retrieve_and_decide(index, keys, most, limit, features, stories, df, count, floor, window_days,\n"
"                    weights, bias, threshold) -> story id | None\n\n"
"decide over the stories index.top(keys, df.weights, most, limit) retrieves, None where it\n"
"retrieves none (storyline.cluster.online).");

/* A KeyIndex's retrieval passed to decide as a C array of its ids: no list of them made,
 * no tuple copied from it, one call from Python in place of two. */
static PyObject *retrieve_and_decide(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 13) {
        PyErr_SetString(PyExc_TypeError, "retrieve_and_decide takes 13 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    PyObject *index = args[0], *keys = args[1], *df = args[6];
    /* decide's arguments; its candidates (args[1]) are the retrieved ones */
    PyObject *decide_args[10] = {args[4], NULL, args[5], df, args[7], args[8], args[9], args[10], args[11], args[12]};
    Held h;
    h.n = 0;
    PyObject *idf = held_attr(&h, df, K_WEIGHTS), *out = NULL;
    if (idf == NULL) {
        return NULL;
    }
    if (!Py_IS_TYPE(index, &KeyIndexType)) { /* another index: its top, then decide */
        static PyObject *top_name = NULL; /* interned once */
        if (top_name == NULL && (top_name = PyUnicode_InternFromString("top")) == NULL) {
            release(&h);
            return NULL;
        }
        PyObject *top_args[5] = {index, keys, idf, args[2], args[3]};
        PyObject *candidates = hold(&h, PyObject_VectorcallMethod(top_name, top_args, 5, NULL));
        int any = candidates == NULL ? -1 : PyObject_IsTrue(candidates);
        if (any > 0) {
            decide_args[1] = candidates;
            out = decide_of(decide_args, NULL, 0, NULL);
        } else if (any == 0) {
            out = Py_NewRef(Py_None);
        }
        release(&h);
        return out;
    }
    KeyIndexObject *retriever = (KeyIndexObject *)index;
    Py_ssize_t most, limit, n = 0;
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top: idf must be a dict");
        release(&h);
        return NULL;
    }
    if (top_bounds(args[2], args[3], &most, &limit) < 0) {
        release(&h);
        return NULL;
    }
    Py_ssize_t room = limit < (Py_ssize_t)retriever->slot_count ? limit : (Py_ssize_t)retriever->slot_count;
    PyObject *few[FEW_CANDIDATES];
    PyObject **ids = room <= FEW_CANDIDATES ? few : PyMem_Malloc(sizeof(PyObject *) * (size_t)room);
    if (ids == NULL) {
        release(&h);
        return PyErr_NoMemory();
    }
    TopReads reads; /* the keys' weights top reads, for decide's side of the article */
    reads.n = reads.at = 0;
    /* where no Python code changes a stored weight meanwhile (a plain dict, or the
     * clusterer's cache: a miss adds its own), as add_bags_of keeps its weights */
    int recorded = PyTuple_CheckExact(keys) && idf_settled(idf);
    if (index_top(retriever, keys, idf, most, limit, ids, &n, recorded ? &reads : NULL) == 0) {
        reads.version = recorded ? idf_version(idf) : 0;
        release(&h); /* decide reads the IDF dict again, as its reference does */
        out = n == 0 ? Py_NewRef(Py_None) : decide_of(decide_args, ids, n, &reads);
    } else {
        release(&h);
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_DECREF(ids[k]);
    }
    if (ids != few) {
        PyMem_Free(ids);
    }
    return out;
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

/* Two exact ints that fit a long, read into *x and *y (their sum, difference and order
 * then as Python's); 0 where either is none (the number protocol then decides). */
static inline int two_longs(PyObject *a, PyObject *b, long *x, long *y) {
    int over_a = 1, over_b = 1;
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    /* ints of one digit or none (3.11's layout: a count, a day) read straight */
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && Py_SIZE(a) >= -1 && Py_SIZE(a) <= 1
            && Py_SIZE(b) >= -1 && Py_SIZE(b) <= 1) {
        *x = Py_SIZE(a) * (long)((PyLongObject *)a)->ob_digit[0];
        *y = Py_SIZE(b) * (long)((PyLongObject *)b)->ob_digit[0];
        return 1;
    }
#endif
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b)) {
        *x = PyLong_AsLongAndOverflow(a, &over_a);
        *y = PyLong_AsLongAndOverflow(b, &over_b);
    }
    return !over_a && !over_b;
}

/* PyObject_RichCompareBool(a, b, op) for op Py_LT or Py_GT, two ints compared without
 * the comparison's call (days and arrival indices). */
static int is_before_or_after(PyObject *a, PyObject *b, int op) {
    long x, y;
    if (two_longs(a, b, &x, &y)) {
        return op == Py_LT ? x < y : x > y;
    }
    return PyObject_RichCompareBool(a, b, op);
}

/* obj.<name> = obj.<name> + step (``+=``), step a new reference (NULL: failed already);
 * -1 with an exception set. Two ints are added without the number protocol. */
static int add_to_attr(Held *h, PyObject *obj, int name, PyObject *step) {
    long x, y;
    /* a plain slot of two small ints (a size, a count, a sum of days): read and set straight,
     * as getattr and setattr do it then */
    PyTypeObject *type = Py_TYPE(obj);
    const Py_ssize_t *offsets = step != NULL && type->tp_setattro == PyObject_GenericSetAttr ? slot_offsets(type)
                                                                                           : NULL;
    PyObject **slot = offsets != NULL && offsets[name] != 0 ? (PyObject **)((char *)obj + offsets[name]) : NULL;
    if (slot != NULL && *slot != NULL && two_longs(*slot, step, &x, &y) && x < LONG_MAX / 2 && x > LONG_MIN / 2
            && y < LONG_MAX / 2 && y > LONG_MIN / 2) {
        PyObject *sum = PyLong_FromLong(x + y);
        Py_DECREF(step);
        if (sum == NULL) {
            return -1;
        }
        Py_SETREF(*slot, sum); /* the old int let go (no Python code runs) */
        return 0;
    }
    PyObject *old = step == NULL ? NULL : held_attr(h, obj, name);
    PyObject *sum = old == NULL ? NULL
                    : two_longs(old, step, &x, &y) && x < LONG_MAX / 2 && x > LONG_MIN / 2 && y < LONG_MAX / 2
                            && y > LONG_MIN / 2
                        ? PyLong_FromLong(x + y)
                        : PyNumber_InPlaceAdd(old, step);
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

/* One part (an article's title or body) added into its own bag and into ``all`` in one
 * walk: each term into the one, then the other, its IDF weight read once where both norms
 * are live; each norm that ``norms`` caches updated as add_bags_of updates it, else
 * dropped. -1 with an exception set. */
static int add_text_part(PyObject *norms, PyObject *idf, PyObject *name, PyObject *own_bag, PyObject *all_bag,
                         PyObject *part, const double *known, uint64_t part_version) {
    uint64_t generation = decided.generation; /* ``known`` is decided's, taken just before */
    double own_sq = 0.0, all_sq = 0.0, w = 0.0;
    PyObject *own_norm, *all_norm;
    uint64_t own_version, all_version;
    int own_live = live_norm(norms, idf, name, &own_sq, &own_norm, &own_version);
    int all_live = own_live < 0 ? -1 : live_norm(norms, idf, kernel_str[K_ALL], &all_sq, &all_norm, &all_version);
    if (all_live < 0) {
        Py_XDECREF(own_norm);
        return -1;
    }
    int status = 0;
    if (!own_live && copies_into_empty(own_bag, part)) {
        /* a headline story's first body: copied, as add_terms copies it */
        status = PyDict_Update(own_bag, part) < 0 || add_terms(all_bag, part, idf, all_live ? &all_sq : NULL, NULL) < 0
                     ? -1 : 0;
    } else {
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(part), at = 0;
        PyObject *term, *value;
        /* room for the part's terms made once, not grown term by term */
        status = bag_reserve_for(own_bag, size) < 0 || bag_reserve_for(all_bag, size) < 0 ? -1 : 0;
        while (status == 0 && dict_next(part, &pos, &term, &value)) {
            /* held: the bags' lookups and the IDF may run Python code (add_terms) */
            Py_INCREF(term);
            Py_INCREF(value);
            if (known != NULL && (decided.generation != generation || idf_version(idf) != decided.idf_version
                                  || dict_version(part) != part_version)) {
                known = NULL; /* Python code run for a term changed them: read from here on */
            }
            /* the term's weight, decide's where kept, else read by the first live norm */
            IdfMemo memo = {&w, 1, 0, known != NULL};
            if (known != NULL) {
                w = known[at++];
            }
            status = add_term(own_bag, term, value, idf, own_live ? &own_sq : NULL, &memo);
            memo.at = 0;
            memo.known = own_live || known != NULL;
            status = status < 0 ? -1 : add_term(all_bag, term, value, idf, all_live ? &all_sq : NULL, &memo);
            Py_DECREF(term);
            Py_DECREF(value);
            if (status == 0 && walk_changed(part, size) < 0) {
                status = -1;
            }
        }
    }
    if (status < 0) {
        Py_XDECREF(own_norm);
        Py_XDECREF(all_norm);
        return -1;
    }
    /* in add_bags_of's order: the part's own norm, then the one of ``all`` */
    status = own_live ? update_norm(norms, name, own_norm, own_version, own_sq) : drop_norm(norms, name);
    if (status < 0) {
        Py_XDECREF(all_norm);
        return -1;
    }
    return all_live ? update_norm(norms, kernel_str[K_ALL], all_norm, all_version, all_sq)
                    : drop_norm(norms, kernel_str[K_ALL]);
}

/* add_bags_of's sums of the title and body (parts[0], parts[1]) into their bags (bags[0],
 * bags[1]) and both into ``all`` (bags[2]), each part walked once where add_bags_of walks
 * it twice: the same sums, norms and IDF weights, read in the same order. Taken where
 * the norms of ``all`` and of a title are live (a story joined: the others, new stories
 * mostly, gain little), the IDF a plain dict or the clusterer's cache (no Python code
 * changes its weights) and no bag is a part or another bag. 1 where done, 0 where not
 * taken (nothing changed), -1 with an exception set. */
static int add_text_bags(PyObject *norms, PyObject *idf, PyObject *const *bags, PyObject *const *parts) {
    PyObject *title = parts[0], *body = parts[1];
    if (idf == Py_None || !idf_settled(idf) || !PyDict_CheckExact(title)
            || !PyDict_CheckExact(body) || title == body) {
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (!(PyDict_CheckExact(bags[i]) || is_term_bag(bags[i])) || bags[i] == title || bags[i] == body
                || bags[i] == bags[(i + 1) % 3]) {
            return 0;
        }
    }
    /* live norms of ``all`` (and of the title, where it has terms): where the title's is
     * not, add_bags_of reads the body's weights before the title's */
    PyObject *all_norm = dict_get_str(norms, kernel_str[K_ALL]);
    PyObject *title_norm = all_norm == NULL || PyDict_GET_SIZE(title) == 0 ? all_norm
                           : dict_get_str(norms, kernel_str[K_TITLE]);
    if (title_norm == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    /* the weights decide read of this article, where kept (add_text_part tests that they
     * still hold before each term: no IDF is read while they are used) */
    const double *known[2];
    decided_weights(idf, title, body, known);
    if (PyDict_GET_SIZE(title) != 0 && add_text_part(norms, idf, kernel_str[K_TITLE], bags[0], bags[2], title,
                                                     known[0], decided.title_version) < 0) {
        return -1;
    }
    decided_weights(idf, title, body, known); /* again: Python code run for a title term may have changed them */
    if (PyDict_GET_SIZE(body) != 0 && add_text_part(norms, idf, kernel_str[K_BODY], bags[1], bags[2], body,
                                                    known[1], decided.body_version) < 0) {
        return -1;
    }
    return 1;
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
        PyObject *cached = dict_get_str(norms, kernel_str[K_N]);
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
    /* title, body and ``all`` first, where add_text_bags adds them */
    int texts_added = add_text_bags(norms, fresh, bags, parts);
    forget_decided(); /* used: the stream adds the article it decided on next, once */
    int skip = texts_added > 0 ? 4 : 0;
    if (texts_added < 0
            || add_bags_of(norms, fresh, 6 - skip, names + skip, bags + skip, parts + skip, kinds, entities) < 0) {
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
        int earlier = first == NULL ? -1 : first == Py_None ? 1 : is_before_or_after(day, first, Py_LT);
        if (earlier < 0 || (earlier && slot_put(story, first_day_name, day) < 0)) {
            goto fail;
        }
        PyObject *last = held_attr(&h, story, K_LAST_DAY);
        int later = last == NULL ? -1 : last == Py_None ? 1 : is_before_or_after(day, last, Py_GT);
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
        int plain = Py_IS_TYPE(years, Py_TYPE(no_counts)), counted = 0;
        if (plain) {
            count = dict_get_small_int(years, year);
            /* a count of its own that only the Counter holds, counted up in place (as
             * count_terms counts; no lookup to set it) */
            counted = COUNTS_IN_PLACE && count != NULL && sets_as_dict(years) && count_up_in_place(count);
            count = count != NULL ? Py_NewRef(count) : PyErr_Occurred() ? NULL : PyLong_FromLong(0);
        } else {
            count = PyObject_GetItem(years, year);
        }
        if (!counted) {
            PyObject *one = hold(&h, count) == NULL ? NULL : hold(&h, PyLong_FromLong(1));
            long old, step;
            PyObject *next = one == NULL ? NULL
                             : plain && two_longs(count, one, &old, &step) && old < LONG_MAX
                                 ? hold(&h, own_count(old + 1)) /* a count of its own, as count_terms puts */
                                 : hold(&h, PyNumber_InPlaceAdd(count, one));
            if (next == NULL || (sets_as_dict(years) ? PyDict_SetItem(years, year, next)
                                                      : PyObject_SetItem(years, year, next)) < 0) {
                goto fail;
            }
        } else {
            Py_DECREF(count);
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
    int newer = last_seen == NULL ? -1 : is_before_or_after(seen, last_seen, Py_GT);
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
    TermTable *table = Py_IS_TYPE(counts, &TermCountsType) ? counts_table((TermCounts *)counts) : NULL;
    if (table == NULL && !PyDict_Check(counts)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "count_article: the document frequencies must be a dict");
        }
        goto fail;
    }
    static const int bag_names[4] = {K_TITLE, K_BODY, K_ENTITIES, K_YEARS};
    PyObject *bags[4];
    for (int i = 0; i < 4; i++) {
        if ((bags[i] = held_attr(&h, features, bag_names[i])) == NULL) {
            goto fail;
        }
    }
    /* a TermTable's counts (DocumentFrequencies' where compiled) counted into it */
    if (table != NULL ? term_count_bags(table, bags, 4) < 0 : count_terms_of(counts, bags, 4) < 0) {
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
