/* refine.c: refinement's kernels (references in storyline/cluster/refine.py): the merge
 * pass (article_norms, headline_merge_probability); the article pairs read as sides
 * (Side: pair_probability, mean_probability; shares_words, reference in
 * storyline/cluster/features.py); the story views of the linkage pass (story_keys,
 * text_norms, story_shares_words). Uses common.c, bags.c, bookkeeping.c (best_of,
 * RankedTerm) and compare.c (pair values, norms, the model's terms); article_side,
 * declared here, is defined in stream.c. */

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

/* A story's title as the kernels read it, made with its norms (text_norms, article_norms)
 * once per version of the story: a side bag (below) in a capsule. */
typedef struct SideBag SideBag;
static int title_squares(PyObject *title, PyObject *idf, Sum *s, PyObject **side);
static const SideBag *title_side_in(PyObject *capsule, PyObject *title);
static void side_dots(const SideBag *walked, const SideBag *looked, double *own_total, double *other_total,
                      int *any);

/* The norms fill_vectors gives the vectors of a story read as an article, and the terms
 * of each entity kind (the sizes of _split_kinds's parts). */
typedef struct {
    double title, entities, years, kind[3];
    Py_ssize_t kind_terms[3];
    /* whether the story's title + body bag is its title bag item for item (same_bag): a
     * story of headlines alone, where a cosine with the one is the cosine with the other */
    int title_is_all;
    PyObject *title_side; /* its title side (a capsule, or None; borrowed from a tuple) */
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
    if (!is_bag(bag)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict or a TermBag");
        return -1;
    }
    BagWalk walk;
    walk_start(&walk, bag);
    while (walk_next(&walk)) {
        double w, weight;
        int k = kinds == NULL ? -1 : kind_of(walk.term); /* read before the IDF lookup may run Python code */
        if (step_weight_and_idf(idf, &walk, &w, &weight) < 0 || walk_grew(&walk) < 0) {
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
    if (is_term_bag(a) || is_term_bag(b)) { /* (a TermBag's values are floats) */
        if (!(PyDict_CheckExact(a) || is_term_bag(a)) || !(PyDict_CheckExact(b) || is_term_bag(b))
                || bag_size(a) != bag_size(b)) {
            return 0;
        }
        BagWalk x, y;
        walk_start(&x, a);
        walk_start(&y, b);
        while (walk_next(&x)) {
            if (!walk_next(&y) || x.term != y.term || (x.value != NULL && !PyFloat_CheckExact(x.value))
                    || (y.value != NULL && !PyFloat_CheckExact(y.value))
                    || (x.value != NULL ? PyFloat_AS_DOUBLE(x.value) : x.number)
                           != (y.value != NULL ? PyFloat_AS_DOUBLE(y.value) : y.number)) {
                return 0;
            }
        }
        return 1;
    }
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
    if (year_bag == NULL || title_squares(title_bag, idf, &title, &out->title_side) < 0
            || hold(h, out->title_side) == NULL
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
    BagWalk walk;
    walk_start(&walk, walked);
    while (walk_next(&walk)) {
        PyObject *term = walk.term, *value = walk.value;
        if (kind >= 0 && kind_of(term) != kind) {
            continue;
        }
        /* held: the lookups may run Python code (a key's __eq__, the IDF's __missing__) */
        Py_INCREF(term);
        Py_XINCREF(value);
        double w = 0.0, v, weight;
        int found = 0;
        int status = bag_value(looked_up, term, &w, &found);
        if (status == 0 && found) {
            if (step_weight_and_idf(idf, &walk, &v, &weight) < 0) {
                status = -1;
            } else {
                sum_add(&own, v * weight * w * weight);
                sum_add(&other, v * (w * weight) * weight);
                *any = 1;
            }
        }
        Py_DECREF(term);
        Py_XDECREF(value);
        if (status < 0 || walk_grew(&walk) < 0) {
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
    int own_walk = terms <= bag_size(other);
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
    if (!is_bag(bag) || !is_bag(other)) {
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
    if (!is_bag(out->title) || !is_bag(out->all)) {
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
    Py_ssize_t terms_a = bag_size(side_a.title), terms_b = bag_size(side_b.title);
    double dot_x, dot_y;
    int any_x, any_y;
    const SideBag *title_a = title_side_in(own_a->title_side, side_a.title);
    const SideBag *title_b = title_side_in(own_b->title_side, side_b.title);
    if (title_a != NULL && title_b != NULL) {
        /* the same walks from the two title sides: one where the sizes differ, else each
         * title's own */
        double unused;
        if (terms_a != terms_b) {
            int a_walked = terms_a < terms_b;
            double own_total, other_total;
            side_dots(a_walked ? title_a : title_b, a_walked ? title_b : title_a, &own_total, &other_total, &any_x);
            any_y = any_x;
            dot_x = a_walked ? own_total : other_total;
            dot_y = a_walked ? other_total : own_total;
        } else {
            side_dots(title_a, title_b, &dot_x, &unused, &any_x);
            side_dots(title_b, title_a, &dot_y, &unused, &any_y);
        }
    } else if (terms_a != terms_b) {
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
 * differ in its last bit from one computed later (``own``: a's article_norms). -1 with an
 * exception set. */
static int cache_other_norms(PyObject *a, const ArticleNorms *own, PyObject *b, PyObject *norms, PyObject *idf) {
    Held h;
    h.n = 0;
    PyObject *entities = held_attr(&h, a, K_ENTITIES);
    PyObject *other_entities = entities == NULL ? NULL : held_attr(&h, b, K_ENTITIES);
    PyObject *other_kinds = other_entities == NULL ? NULL : held_attr(&h, b, K_KINDS);
    if (other_kinds == NULL) {
        goto fail;
    }
    if (!is_bag(entities) || !is_bag(other_entities) || !PyDict_Check(other_kinds)) {
        PyErr_SetString(PyExc_TypeError, "headline_merge_probability: bags must be dicts or TermBags, kinds dicts");
        goto fail;
    }
    if (FAILED(cached_norm(norms, kernel_str[K_ENTITIES], other_entities, idf))) {
        goto fail;
    }
    /* the kinds the article names (its parts of _split_kinds that are not empty: its
     * article_norms counted each kind's terms, without a walk of its entities per pair) */
    int named[3];
    for (int k = 0; k < 3; k++) {
        named[k] = own->kind_terms[k] > 0;
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
        if (!is_bag(other_years)) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict or a TermBag");
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
    if (other_entities == NULL || !is_bag(entities)
            || weighted_cosine(entities, -1, bag_size(entities), own->entities, other_entities, norms,
                               kernel_str[K_ENTITIES], idf, &x[3]) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict or a TermBag");
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
        if (!is_bag(own_years)) {
            PyErr_SetString(PyExc_TypeError, "headline_merge_probability: a bag must be a dict or a TermBag");
            goto fail;
        }
        if (weighted_cosine(own_years, -1, bag_size(own_years), own->years, other_years, norms,
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
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 11) {
        PyErr_SetString(PyExc_TypeError, "norms must be an article_norms tuple");
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
    out->title_side = PyTuple_GET_ITEM(tuple, 10);
    return 0;
}

/* A norms tuple: ``n_doubles`` floats, ``n_counts`` ints, then a bool and a held object
 * (as Py_BuildValue's "(d...n...OO)" makes it, without reading a format per call); NULL
 * with an exception set. */
static PyObject *norms_tuple(const double *doubles, int n_doubles, const Py_ssize_t *counts, int n_counts, int flag,
                             PyObject *last) {
    PyObject *out = PyTuple_New(n_doubles + n_counts + 2);
    if (out == NULL) {
        return NULL;
    }
    int at = 0;
    for (int i = 0; i < n_doubles; i++, at++) {
        PyObject *item = PyFloat_FromDouble(doubles[i]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, at, item);
    }
    for (int i = 0; i < n_counts; i++, at++) {
        PyObject *item = PyLong_FromSsize_t(counts[i]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, at, item);
    }
    PyTuple_SET_ITEM(out, at, Py_NewRef(flag ? Py_True : Py_False));
    PyTuple_SET_ITEM(out, at + 1, Py_NewRef(last));
    return out;
}

PyDoc_STRVAR(article_norms_doc,
"article_norms(story, df) -> tuple\n\n"
"The norms of a StoryFeatures' vectors read as an article: title, entities, years, each\n"
"entity kind's, each kind's terms, whether its title + body bag is its title bag item\n"
"for item, and its title as the kernels read it (a capsule, or None)\n"
"(storyline.cluster.refine).");

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
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "article_norms: the IDF weights must be a dict");
        goto done;
    }
    /* and the story's top names cached, as as_article caches them */
    if (article_norms(&h, args[0], idf, &norms) == 0 && hold(&h, story_top(args[0])) != NULL) {
        const double doubles[6] = {norms.title, norms.entities, norms.years, norms.kind[0], norms.kind[1],
                                   norms.kind[2]};
        out = norms_tuple(doubles, 6, norms.kind_terms, 3, norms.title_is_all, norms.title_side);
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
    if (!idf_mapping(idf)) {
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
        if (cache_other_norms(a, &own_a, b, norms_b, idf) == 0 && cache_other_norms(b, &own_b, a, norms_a, idf) == 0) {
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

struct SideBag {
    Py_ssize_t n, capacity;
    SideTerm *terms;
    Py_ssize_t *table; /* index + 1 of a term by its hash (0: empty), mask + 1 slots */
    size_t mask;
    double vector_norm, story_norm; /* the ArticleVectors norm, the story's cached norm */
};

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
 * the reference's loops do; where ``reads`` holds the weights KeyIndex.top read for these
 * terms (NULL or version 0: none), the next one is taken from there while the IDF dict
 * keeps the version top left it with (keyindex.c). */
static int side_bag(Side *s, SideBag *bag, PyObject *dict, PyObject *idf, TopReads *reads) {
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "pair_probability: an article's bags must be dicts");
        return -1;
    }
    if (bag_alloc(s, bag, PyDict_GET_SIZE(dict)) < 0) {
        return -1;
    }
    Py_ssize_t pos = 0, size = PyDict_GET_SIZE(dict);
    PyObject *term, *value;
    while (dict_next(dict, &pos, &term, &value)) {
        if (!PyUnicode_CheckExact(term)) {
            PyErr_SetString(PyExc_TypeError, "pair_probability: a bag's terms must be str");
            return -1;
        }
        if (bag->n == bag->capacity) { /* Python code run for a term grew the dict */
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed during iteration");
            return -1;
        }
        Py_hash_t hash = ((PyASCIIObject *)term)->hash != -1 ? ((PyASCIIObject *)term)->hash : PyObject_Hash(term);
        double w, weight;
        int status;
        if (reads != NULL && hash != -1 && reads->at < reads->n && reads->terms[reads->at] == term
                && PyFloat_CheckExact(value) && reads->version != 0 && idf_version(idf) == reads->version) {
            w = PyFloat_AS_DOUBLE(value);
            weight = reads->weights[reads->at++];
            status = 0;
        } else {
            Py_INCREF(term); /* held: the IDF's __missing__ may take it out of the bag */
            status = hash == -1 ? -1 : weight_and_idf(idf, term, value, &w, &weight);
            Py_DECREF(term);
        }
        if (status == 0) {
            bag_add(bag, term, hash, w, w * weight, weight);
        }
        if (status < 0 || walk_changed(dict, size) < 0) {
            return -1;
        }
    }
    bag->vector_norm = bag->story_norm = bag->n ? bag_norm(bag, 0) : 1.0;
    return 0;
}

/* The ArticleVectors' title + body of an article with a body (body order, then the
 * title's own; a term of both weighted (body + title) * IDF), and its norm: the vector
 * decide reads (stream.c's side_all_vector) and refinement's too (side_all). */
static void add_vector_terms(SideBag *vector, const SideBag *title, const SideBag *body) {
    for (Py_ssize_t i = 0; i < body->n; i++) {
        const SideTerm *t = &body->terms[i];
        Py_ssize_t k = side_find(title, t->term, t->hash);
        double weighted = k < 0 ? t->weighted : (t->weight + title->terms[k].weight) * t->idf;
        bag_add(vector, t->term, t->hash, 0.0, weighted, t->idf);
    }
    for (Py_ssize_t i = 0; i < title->n; i++) {
        const SideTerm *t = &title->terms[i];
        if (side_find(body, t->term, t->hash) < 0) {
            bag_add(vector, t->term, t->hash, 0.0, t->weighted, t->idf);
        }
    }
    vector->vector_norm = bag_norm(vector, 0);
}

/* Title + body both ways: the ArticleVectors' (add_vector_terms) and the one-article
 * story's (title order, then the body's own; title + body). A headline's is its title's
 * either way. */
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
    add_vector_terms(vector, title, body);
    for (Py_ssize_t i = 0; i < title->n; i++) {
        const SideTerm *t = &title->terms[i];
        Py_ssize_t k = side_find(body, t->term, t->hash);
        bag_add(story, t->term, t->hash, k < 0 ? t->weight : t->weight + body->terms[k].weight, 0.0, t->idf);
    }
    for (Py_ssize_t i = 0; i < body->n; i++) {
        const SideTerm *t = &body->terms[i];
        if (side_find(title, t->term, t->hash) < 0) {
            bag_add(story, t->term, t->hash, t->weight, 0.0, t->idf);
        }
    }
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
    if (PyFrozenSet_CheckExact(own) && PyFrozenSet_CheckExact(other)) {
        /* what featurize gives (frozensets; one empty one shared by every article naming
         * none): sizes read inline, and the first's items walked without an iterator */
        if (PySet_GET_SIZE(own) == 0 || PySet_GET_SIZE(other) == 0) {
            return 0;
        }
#if PY_VERSION_HEX < 0x030D0000 /* (3.13 keeps _PySet_NextEntry internal) */
        Py_ssize_t pos = 0, count = 0;
        PyObject *item;
        Py_hash_t hash;
        while (_PySet_NextEntry(own, &pos, &item, &hash)) {
            /* (a frozenset cannot change, even where an item's __eq__ runs Python code) */
            Py_INCREF(item);
            int in = PySet_Contains(other, item);
            Py_DECREF(item);
            if (in < 0) {
                return -1;
            }
            count += in;
        }
        *shared = count;
        return 1;
#endif
    }
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
    if (a->bag[S_BODY].n == 0 && b->bag[S_BODY].n == 0) {
        /* two headlines: each title + body bag is its title bag, term for term with the
         * same values and norms (side_all), so the cross cosines are the title cosines */
        x[2] = x[0];
        y[2] = y[0];
    } else {
        x[2] = side_cosine(&a->bag[S_ALL_VECTOR], &b->bag[S_ALL_STORY]);
        y[2] = side_cosine(&b->bag[S_ALL_VECTOR], &a->bag[S_ALL_STORY]);
    }
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

/* What a PairScores holds, read once per call (new references), and the last model
 * scored with (held) with its weights: one call scores many pairs with the same model,
 * whose buffer is then opened once, not once per pair. */
typedef struct {
    PyObject *cache, *sides, *models, *idf;
    PyObject *model;
    Weights weights;
} PairState;

static void pair_state_clear(PairState *s) {
    Py_CLEAR(s->cache);
    Py_CLEAR(s->sides);
    Py_CLEAR(s->models);
    Py_CLEAR(s->idf);
    if (s->model != NULL) {
        weights_release(&s->weights);
        Py_CLEAR(s->model);
    }
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
    if (!PyDict_Check(s->cache) || !PyDict_Check(s->sides) || !PyDict_Check(s->models) || !idf_mapping(s->idf)) {
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

/* An article's side as one call keeps it: its capsule (held; NULL until first read) and
 * the side in it. */
typedef struct {
    PyObject *capsule;
    Side *side;
} HeldSide;

/* side_in, where ``held`` is not NULL through it: the side read there once first read,
 * so that the pairs of one call look an article's side up once. */
static PyObject *side_kept(PairState *s, PyObject *f, PyObject *id, HeldSide *held, Side **side) {
    if (held != NULL && held->capsule != NULL) {
        *side = held->side;
        return Py_NewRef(held->capsule);
    }
    PyObject *capsule = side_in(s, f, id, side);
    if (held != NULL && capsule != NULL) {
        held->capsule = Py_NewRef(capsule);
        held->side = *side;
    }
    return capsule;
}

/* The reference's score of two articles; -1 with an exception set. ``held_a``,
 * ``held_b``: see side_kept (NULL: each side looked up). */
static int score_pair(PairState *s, PyObject *a, PyObject *b, PyObject *id_a, PyObject *id_b, HeldSide *held_a,
                      HeldSide *held_b, double *out) {
    Side *side_a, *side_b;
    PyObject *capsule_a = side_kept(s, a, id_a, held_a, &side_a);
    PyObject *capsule_b = capsule_a == NULL ? NULL : side_kept(s, b, id_b, held_b, &side_b);
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
    int done = -1;
    if (!FAILED(bias)) {
        side_cosines_both(side_a, side_b, a_to_b, b_to_a);
    }
    if (!FAILED(bias) && side_features(side_a, side_b, a_to_b) == 0 && side_features(side_b, side_a, b_to_a) == 0) {
        /* the weights of the last model, read again only for another one (the held model
         * keeps its weights object, and the open buffer keeps that the same size) */
        if (model != s->model) {
            if (s->model != NULL) {
                weights_release(&s->weights);
                Py_CLEAR(s->model);
            }
            if (weights_of(PyTuple_GET_ITEM(model, 0), &s->weights) == 0) {
                s->model = Py_NewRef(model);
            }
        }
        if (model == s->model) {
            for (int i = 0; i < PAIR_FEATURES; i++) {
                a_to_b[i] = (a_to_b[i] + b_to_a[i]) / 2; /* symmetric */
            }
            done = interaction_of(a_to_b, PAIR_FEATURES, s->weights.w, s->weights.m, bias, out);
        }
    }
    Py_DECREF(model);
    Py_DECREF(capsule_a);
    Py_DECREF(capsule_b);
    return done;
}

/* Where ArticleFeatures (or the last class an id was read of) keeps its id: the offset of
 * its slot, learnt once per class and version of it as common.c's slot_offsets learns the
 * kernel's (0: no plain slot, getattr each time). */
static PyTypeObject *id_class; /* a strong reference */
static unsigned int id_class_version;
static Py_ssize_t id_offset;

/* getattr(f, "id") (a new reference), the slot read in place where f's class keeps it in one. */
static PyObject *article_id(PyObject *f) {
    PyTypeObject *type = Py_TYPE(f);
    if (type != id_class || type->tp_version_tag != id_class_version
            || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG) || type->tp_getattro != PyObject_GenericGetAttr) {
        Py_CLEAR(id_class);
        id_offset = 0;
        if (type->tp_getattro != PyObject_GenericGetAttr) {
            return PyObject_GetAttr(f, pair_str[P_ID]); /* its own __getattribute__ or __getattr__ */
        }
        PyObject *descr = PyObject_GetAttr((PyObject *)type, pair_str[P_ID]);
        if (descr == NULL) {
            PyErr_Clear();
        } else {
            /* a slot of the class or of a base (see learn_slot_offsets) */
            if (Py_IS_TYPE(descr, &PyMemberDescr_Type) && PyType_IsSubtype(type, ((PyDescrObject *)descr)->d_type)
                    && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX) {
                id_offset = ((PyMemberDescrObject *)descr)->d_member->offset;
            }
            Py_DECREF(descr);
        }
        if (PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {
            id_class = (PyTypeObject *)Py_NewRef((PyObject *)type);
            id_class_version = type->tp_version_tag;
        } else {
            id_offset = 0; /* no version to check it by */
        }
    }
    if (id_offset != 0) {
        PyObject *id = *(PyObject **)((char *)f + id_offset);
        if (id != NULL) {
            return Py_NewRef(id);
        }
    }
    return PyObject_GetAttr(f, pair_str[P_ID]); /* (an unset slot raises here) */
}

/* id_a < id_b for two exact str, as Python orders them (by code point): two ASCII ids by
 * their bytes inline, others by PyUnicode_Compare; -1 with an exception set. */
static inline int id_less(PyObject *id_a, PyObject *id_b) {
    if (PyUnicode_IS_COMPACT_ASCII(id_a) && PyUnicode_IS_COMPACT_ASCII(id_b)) {
        Py_ssize_t n_a = PyUnicode_GET_LENGTH(id_a), n_b = PyUnicode_GET_LENGTH(id_b);
        int order = memcmp(PyUnicode_DATA(id_a), PyUnicode_DATA(id_b), (size_t)(n_a < n_b ? n_a : n_b));
        return order < 0 || (order == 0 && n_a < n_b);
    }
    int order = PyUnicode_Compare(id_a, id_b);
    return order == -1 && PyErr_Occurred() ? -1 : order < 0;
}

/* The cached probability of two articles of ids ``id_a``, ``id_b`` (a new reference to
 * the cached float), scored and cached where missing; NULL with an exception set. */
static PyObject *cached_pair_of(PairState *s, PyObject *a, PyObject *b, PyObject *id_a, PyObject *id_b,
                                HeldSide *held_a, HeldSide *held_b) {
    PyObject *out = NULL, *row = NULL;
    /* (two exact str compared as < compares them, without the rich comparison's dispatch) */
    int less = PyUnicode_CheckExact(id_a) && PyUnicode_CheckExact(id_b) ? id_less(id_a, id_b)
                                                                        : PyObject_RichCompareBool(id_a, id_b, Py_LT);
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
    if (PyErr_Occurred() || score_pair(s, a, b, id_a, id_b, held_a, held_b, &p) < 0) {
        goto done;
    }
    out = PyFloat_FromDouble(p);
    if (out != NULL && PyDict_SetItem(row, hi, out) < 0) {
        Py_CLEAR(out);
    }
done:
    Py_XDECREF(row);
    return out;
}

/* cached_pair_of two articles, their ids read here. */
static PyObject *cached_pair(PairState *s, PyObject *a, PyObject *b) {
    PyObject *id_a = article_id(a);
    PyObject *id_b = id_a == NULL ? NULL : article_id(b);
    PyObject *out = id_b == NULL ? NULL : cached_pair_of(s, a, b, id_a, id_b, NULL, NULL);
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
    if (!idf_mapping(idf) || !PyDict_Check(norms)) {
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
    /* the ids and sides of ys, read once per call rather than once per pair: (article, its
     * id) and its side (NULL until read) by index, all held, reused while that index holds
     * the same article */
    Py_ssize_t n_ids = PyList_GET_SIZE(ys);
    PyObject **y_ids = PyMem_Calloc((size_t)(2 * n_ids + 1), sizeof(PyObject *));
    HeldSide *y_sides = y_ids == NULL ? NULL : PyMem_Calloc((size_t)(n_ids + 1), sizeof(HeldSide));
    if (y_sides == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* by index, each list's length read again at each step: as a for loop walks a list
     * that Python code (an IDF's __missing__, a key's __eq__) may change */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(xs); i++) {
        /* x's side, looked up at x's first unscored pair and kept for its row */
        PyObject *x = Py_NewRef(PyList_GET_ITEM(xs, i)), *id_x = NULL;
        HeldSide side_x = {NULL, NULL};
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(ys); j++) {
            PyObject *y = Py_NewRef(PyList_GET_ITEM(ys, j)), *id_y = NULL, *p_obj = NULL;
            /* x's id first, as the reference reads them */
            if (id_x != NULL || (id_x = article_id(x)) != NULL) {
                if (j < n_ids && y_ids[2 * j] == y) {
                    id_y = Py_NewRef(y_ids[2 * j + 1]);
                } else if ((id_y = article_id(y)) != NULL && j < n_ids) {
                    Py_XSETREF(y_ids[2 * j], Py_NewRef(y));
                    Py_XSETREF(y_ids[2 * j + 1], Py_NewRef(id_y));
                    Py_CLEAR(y_sides[j].capsule);
                }
            }
            if (id_y != NULL) {
                p_obj = cached_pair_of(&s, x, y, id_x, id_y, &side_x, j < n_ids ? &y_sides[j] : NULL);
            }
            Py_DECREF(y);
            Py_XDECREF(id_y);
            double p = p_obj == NULL ? -1.0 : PyFloat_AsDouble(p_obj);
            Py_XDECREF(p_obj);
            if (p_obj == NULL || FAILED(p)) {
                Py_DECREF(x);
                Py_XDECREF(id_x);
                Py_XDECREF(side_x.capsule);
                goto done;
            }
            sum_add(&read, p);
            total += p;
            left -= 1;
            if (total + left < short_of) {
                Py_DECREF(x);
                Py_XDECREF(id_x);
                Py_XDECREF(side_x.capsule);
                out = PyFloat_FromDouble(total / n);
                goto done;
            }
        }
        Py_DECREF(x);
        Py_XDECREF(id_x);
        Py_XDECREF(side_x.capsule);
    }
    if (n == 0.0) {
        PyErr_SetString(PyExc_ZeroDivisionError, "division by zero");
    } else {
        out = PyFloat_FromDouble(sum_result(&read) / n);
    }
done:
    if (y_sides != NULL) {
        for (Py_ssize_t k = 0; k < n_ids; k++) {
            Py_XDECREF(y_ids[2 * k]);
            Py_XDECREF(y_ids[2 * k + 1]);
            Py_XDECREF(y_sides[k].capsule);
        }
        PyMem_Free(y_sides);
    }
    PyMem_Free(y_ids);
    pair_state_clear(&s);
    return out;
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

/* The norms of a story's text-only vectors read as an article, how many terms its
 * title + body vector holds, and whether its title + body bag is its title bag item for
 * item (same_bag: checked once per version of a story, not once per pair it is in). */
typedef struct {
    double title, body, all;
    Py_ssize_t all_terms;
    int title_is_all;
    PyObject *title_side; /* borrowed from the tuple: its title_side capsule, or None */
} TextNorms;

/* A story's title as a side bag (its terms in bag order with their weights and IDF,
 * hashed), made by text_norms with the title's norm, once per version of the story: the
 * title dot product of story_shares_words then walks arrays, with no dict lookups or IDF
 * reads per pair. A capsule (the last item of text_norms), NULL-named below. */
static const char *const title_side_name = "storyline.cluster.refine.title_side";

static void title_side_free(PyObject *capsule) {
    SideBag *bag = PyCapsule_GetPointer(capsule, title_side_name);
    if (bag != NULL) {
        for (Py_ssize_t i = 0; i < bag->n; i++) {
            Py_DECREF(bag->terms[i].term);
        }
        PyMem_Free(bag);
    }
}

/* The squares of a title's IDF-weighted values summed in bag order into s (as
 * weighted_squares sums them) and, in *side, the title as a title_side capsule (None where
 * a term is no exact str: the kernels then read the dicts); -1 with an exception set. */
static int title_squares(PyObject *title, PyObject *idf, Sum *s, PyObject **side) {
    *side = NULL;
    if (!is_bag(title)) {
        PyErr_SetString(PyExc_TypeError, "a story's title bag must be a dict");
        return -1;
    }
    Py_ssize_t n = bag_size(title);
    size_t slots = n > 0 ? bag_slots(n) : 0;
    /* one allocation: the bag, its terms, its table */
    SideBag *bag = PyMem_Malloc(sizeof(SideBag) + sizeof(SideTerm) * (size_t)n + sizeof(Py_ssize_t) * slots);
    if (bag == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *bag = (SideBag){.terms = (SideTerm *)(bag + 1), .capacity = n, .mask = slots > 0 ? slots - 1 : 0};
    bag->table = (Py_ssize_t *)(bag->terms + n);
    memset(bag->table, 0, sizeof(Py_ssize_t) * slots);
    int exact = 1;
    BagWalk walk;
    walk_start(&walk, title);
    while (walk_next(&walk)) {
        double w, weight;
        PyObject *term = Py_NewRef(walk.term); /* held: the IDF's __missing__ may take it out of the bag */
        int status = step_weight_and_idf(idf, &walk, &w, &weight);
        if (status == 0 && (status = walk_grew(&walk)) == 0) {
            double v = w * weight;
            sum_add(s, v * v);
            exact = exact && PyUnicode_CheckExact(term) && bag->n < bag->capacity;
            if (exact) {
                bag_add(bag, term, PyObject_Hash(term), w, v, weight); /* (an exact str's hash cannot fail) */
            }
        }
        Py_DECREF(term);
        if (status < 0) {
            goto fail;
        }
    }
    if (exact && (*side = PyCapsule_New(bag, title_side_name, title_side_free)) == NULL) {
        goto fail;
    }
    if (exact) {
        return 0;
    }
    *side = Py_NewRef(Py_None);
fail:
    for (Py_ssize_t i = 0; i < bag->n; i++) {
        Py_DECREF(bag->terms[i].term);
    }
    PyMem_Free(bag);
    return *side == NULL ? -1 : 0;
}

/* The title side in a norms tuple's item (NULL where it is None, or a side that no longer
 * fits the title bag ``title``, a dict: the dicts are read then). */
static const SideBag *title_side_in(PyObject *capsule, PyObject *title) {
    if (!PyCapsule_IsValid(capsule, title_side_name)) {
        return NULL;
    }
    const SideBag *bag = PyCapsule_GetPointer(capsule, title_side_name);
    return bag->n == bag_size(title) ? bag : NULL;
}

/* paired_dots of two title sides (no Python code runs): the walked one's vector with the
 * other bag, and the other's vector with the walked bag, summed in walk order. */
static void side_dots(const SideBag *walked, const SideBag *looked, double *own_total, double *other_total,
                      int *any) {
    Sum own = {0.0, 0.0}, other = {0.0, 0.0};
    *any = 0;
    for (Py_ssize_t i = 0; i < walked->n; i++) {
        const SideTerm *t = &walked->terms[i];
        Py_ssize_t k = side_find(looked, t->term, t->hash);
        if (k >= 0) {
            double v = t->weight, weight = t->idf, w = looked->terms[k].weight;
            sum_add(&own, v * weight * w * weight);
            sum_add(&other, v * (w * weight) * weight);
            *any = 1;
        }
    }
    *own_total = sum_result(&own);
    *other_total = sum_result(&other);
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

/* TextNorms.title_is_all of a story (its title bag ``title``), read last as the reference
 * reads it (or from ``known``, its ArticleNorms, where not NULL); -1 with an exception set. */
static int text_is_all(Held *h, PyObject *story, PyObject *title, const ArticleNorms *known, TextNorms *out) {
    if (known != NULL) {
        out->title_is_all = known->title_is_all;
        return 0;
    }
    PyObject *all = held_attr(h, story, K_ALL);
    if (all == NULL) {
        return -1;
    }
    out->title_is_all = same_bag(title, all);
    return 0;
}

/* The TextNorms of story ``story``; -1 with an exception set. ``known``: where not NULL,
 * the story's ArticleNorms of this version, whose title norm, title side and title_is_all
 * are the ones made here (the same title bag and IDF): read, not made again. */
static int text_norms_of(Held *h, PyObject *story, PyObject *idf, const ArticleNorms *known, TextNorms *out) {
    PyObject *title = held_attr(h, story, K_TITLE);
    PyObject *body = title == NULL ? NULL : held_attr(h, story, K_BODY);
    if (body == NULL) {
        return -1;
    }
    if (!is_bag(title) || !is_bag(body)) {
        PyErr_SetString(PyExc_TypeError, "text_norms: a bag must be a dict");
        return -1;
    }
    Sum own_title = {0.0, 0.0}, own_body = {0.0, 0.0}, all = {0.0, 0.0};
    if (known != NULL) {
        out->title = known->title;
        if ((out->title_side = hold(h, Py_NewRef(known->title_side))) == NULL) {
            return -1;
        }
    } else if (title_squares(title, idf, &own_title, &out->title_side) < 0 || hold(h, out->title_side) == NULL) {
        return -1;
    } else {
        out->title = norm_of(&own_title);
    }
    if (bag_size(body) == 0) {
        /* a headline's title + body vector is its title vector */
        out->body = 1.0;
        out->all = out->title;
        out->all_terms = bag_size(title);
        return text_is_all(h, story, title, known, out);
    }
    /* title + body: the body's terms in its order (with the title's weight added where
     * the title has the term), then the title's own */
    Py_ssize_t title_only = 0;
    for (int pass = 0; pass < 2; pass++) {
        PyObject *walked = pass == 0 ? body : title, *other = pass == 0 ? title : body;
        BagWalk walk;
        walk_start(&walk, walked);
        while (walk_next(&walk)) {
            PyObject *term = walk.term, *value = walk.value;
            Py_INCREF(term);
            Py_XINCREF(value);
            double w, weight, other_weight = 0.0;
            int in_other = 0;
            int status = bag_value(other, term, &other_weight, &in_other);
            if (status == 0 && !(pass == 1 && in_other)) {
                status = step_weight_and_idf(idf, &walk, &w, &weight);
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
            Py_XDECREF(value);
            if (status < 0 || walk_grew(&walk) < 0) {
                return -1;
            }
        }
    }
    out->body = norm_of(&own_body);
    out->all = norm_of(&all);
    out->all_terms = bag_size(body) + title_only;
    return text_is_all(h, story, title, known, out);
}

/* story_cosine of the title + body vector of an article (``title``, ``body``: its bags;
 * ``own``: its TextNorms) and the story bag ``other`` (its norm cached in ``norms`` under
 * "all"): the smaller walked as shared_dot walks it. -1 with an exception set. */
static int all_cosine(PyObject *title, PyObject *body, const TextNorms *own, PyObject *other, PyObject *norms,
                      PyObject *idf, double *out) {
    if (!is_bag(other)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: a bag must be a dict");
        return -1;
    }
    double other_norm = cached_norm(norms, kernel_str[K_ALL], other, idf);
    if (FAILED(other_norm)) {
        return -1;
    }
    Sum s = {0.0, 0.0};
    int any = 0;
    if (own->all_terms <= bag_size(other)) {
        /* the vector walked, in its order: the body's terms, then the title's own */
        for (int pass = 0; pass < 2; pass++) {
            PyObject *walked = pass == 0 ? body : title, *beside = pass == 0 ? title : body;
            BagWalk walk;
            walk_start(&walk, walked);
            while (walk_next(&walk)) {
                PyObject *term = walk.term, *value = walk.value;
                Py_INCREF(term);
                Py_XINCREF(value);
                double beside_weight = 0.0, w = 0.0, own_weight, weight;
                int in_beside = 0, shared = 0;
                int status = bag_value(beside, term, &beside_weight, &in_beside);
                if (status == 0 && !(pass == 1 && in_beside)) {
                    status = bag_value(other, term, &w, &shared);
                }
                if (status == 0 && shared && !(pass == 1 && in_beside)) {
                    status = step_weight_and_idf(idf, &walk, &own_weight, &weight);
                    if (status == 0) {
                        double v = pass == 0 ? all_value(1, own_weight, in_beside, beside_weight, weight)
                                             : own_weight * weight;
                        sum_add(&s, v * w * weight);
                        any = 1;
                    }
                }
                Py_DECREF(term);
                Py_XDECREF(value);
                if (status < 0 || walk_grew(&walk) < 0) {
                    return -1;
                }
            }
        }
    } else {
        /* the story bag walked, the vector's value computed for each term it shares */
        BagWalk walk;
        walk_start(&walk, other);
        while (walk_next(&walk)) {
            PyObject *term = walk.term, *value = walk.value;
            Py_INCREF(term);
            Py_XINCREF(value);
            double body_weight = 0.0, title_weight = 0.0, v, weight;
            int in_body = 0, in_title = 0;
            int status = bag_value(body, term, &body_weight, &in_body);
            if (status == 0) {
                status = bag_value(title, term, &title_weight, &in_title);
            }
            if (status == 0 && (in_body || in_title)) {
                status = step_weight_and_idf(idf, &walk, &v, &weight);
                if (status == 0) {
                    sum_add(&s, v * all_value(in_body, body_weight, in_title, title_weight, weight) * weight);
                    any = 1;
                }
            }
            Py_DECREF(term);
            Py_XDECREF(value);
            if (status < 0 || walk_grew(&walk) < 0) {
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
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 6) {
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
    out->title_is_all = PyTuple_GET_ITEM(tuple, 4) == Py_True;
    out->title_side = PyTuple_GET_ITEM(tuple, 5);
    return out->all_terms == -1 && PyErr_Occurred() ? -1 : 0;
}

/* Puts each key of dict ``keys`` into tuple ``out`` from ``at`` on (no Python code runs
 * meanwhile: ``out`` was made to fit); returns the next free place. */
static Py_ssize_t put_keys(PyObject *out, Py_ssize_t at, PyObject *keys) {
    if (is_term_bag(keys)) {
        for (Py_ssize_t k = 0; k < ((TermBag *)keys)->n; k++) {
            PyTuple_SET_ITEM(out, at++, Py_NewRef(((TermBag *)keys)->entries[k].key));
        }
        return at;
    }
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
    if (!is_bag(title) || !is_bag(body) || !is_bag(entities)) {
        PyErr_SetString(PyExc_TypeError, "story_keys: a story's bags must be dicts");
        release(&h);
        return NULL;
    }
    /* the body's terms by weight, the heaviest first (largest's order), each held: reading
     * a weight may run Python code */
    Py_ssize_t n = bag_size(body), i = 0, kept = 0;
    /* the first ``most`` of them, as a slice takes them (a negative ``most`` leaves off
     * that many at the end) */
    Py_ssize_t count = most < 0 ? (n + most > 0 ? n + most : 0) : most < n ? most : n;
    RankedTerm *ranked = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(RankedTerm));
    Py_ssize_t *order = PyMem_Malloc((size_t)(count > 0 ? count : 1) * sizeof(Py_ssize_t));
    PyObject *out = NULL;
    if (ranked == NULL || order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    BagWalk walk;
    walk_start(&walk, body);
    while (i < n && walk_next(&walk)) {
        ranked[i].term = Py_NewRef(walk.term);
        ranked[i].weight = Py_XNewRef(walk.value); /* NULL: a TermBag's double, taken here */
        ranked[i].score = walk.number;
        i++;
    }
    for (Py_ssize_t k = 0; k < i; k++) {
        if (ranked[k].weight != NULL) {
            ranked[k].score = PyFloat_AsDouble(ranked[k].weight);
        }
        if (FAILED(ranked[k].score)) {
            goto done;
        }
    }
    if (best_of((const char *)&ranked[0].score, sizeof(RankedTerm), i, count, order) < 0) {
        goto done;
    }
    /* each key once: title terms and names never meet, body terms may repeat title terms */
    for (Py_ssize_t k = 0; k < count; k++) {
        int in_title = is_term_bag(title) ? TermBag_contains((TermBag *)title, ranked[order[k]].term)
                                          : PyDict_Contains(title, ranked[order[k]].term);
        if (in_title < 0) {
            goto done;
        }
        if (!in_title) {
            order[kept++] = order[k];
        }
    }
    Py_ssize_t own = bag_size(title) + bag_size(entities);
    out = PyTuple_New(own + kept);
    /* making it may run a collection, and finalizers (Python code) with it */
    if (out != NULL && bag_size(title) + bag_size(entities) != own) {
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
        Py_XDECREF(ranked[k].weight);
    }
    PyMem_Free(ranked);
    PyMem_Free(order);
    release(&h);
    return out;
}

PyDoc_STRVAR(text_norms_doc,
"text_norms(story, df, known=None) -> tuple\n\n"
"The norms of a StoryFeatures' text-only vectors read as an article (title, body,\n"
"title + body), the terms of its title + body vector, whether its title + body bag is\n"
"its title bag item for item, and its title as the kernels read it (a capsule, or None)\n"
"(``known``: the story's article_norms, where the caller has them: their title norm,\n"
"title side and title_is_all are read, not made again) (storyline.cluster.refine).");

static PyObject *text_norms(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "text_norms takes 2 or 3 arguments");
        return NULL;
    }
    ArticleNorms known_norms;
    const ArticleNorms *known = NULL;
    if (nargs == 3 && args[2] != Py_None) {
        if (norms_of_tuple(args[2], &known_norms) < 0) {
            return NULL;
        }
        known = &known_norms; /* (its title side borrowed from args[2], held by the caller) */
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    Held h;
    h.n = 0;
    TextNorms norms;
    PyObject *out = NULL;
    PyObject *idf = held_attr(&h, args[1], K_WEIGHTS);
    if (idf != NULL && !idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "text_norms: the IDF weights must be a dict");
    } else if (idf != NULL && text_norms_of(&h, args[0], idf, known, &norms) == 0) {
        const double doubles[3] = {norms.title, norms.body, norms.all};
        out = norms_tuple(doubles, 3, &norms.all_terms, 1, norms.title_is_all, norms.title_side);
    }
    release(&h);
    return out;
}

PyDoc_STRVAR(story_shares_words_doc,
"story_shares_words(a, norms_a, b, norms_b, df, floor) -> bool\n\n"
"shares_words of StoryFeatures ``a`` read as an article (of text_norms ``norms_a``) and\n"
"StoryFeatures ``b`` (of text_norms ``norms_b``) (storyline.cluster.refine).");

static PyObject *story_shares_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words takes 6 arguments");
        return NULL;
    }
    PyObject *a = args[0], *b = args[2], *df = args[4];
    double floor = PyFloat_AsDouble(args[5]);
    TextNorms own, other;
    if (FAILED(floor) || text_norms_of_tuple(args[1], &own) < 0 || text_norms_of_tuple(args[3], &other) < 0
            || kernel_ready() < 0) {
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
    if (!idf_mapping(idf) || !PyDict_Check(norms) || !is_bag(title) || !is_bag(body)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: the IDF weights, the norms and the bags must be dicts");
        goto fail;
    }
    if (!is_bag(other_title)) {
        PyErr_SetString(PyExc_TypeError, "story_shares_words: a bag must be a dict");
        goto fail;
    }
    /* title, title + body, then body (where both have one), as shares_words tries them */
    double title_norm = cached_norm(norms, kernel_str[K_TITLE], other_title, idf), title_dot;
    int title_any;
    if (FAILED(title_norm)) {
        goto fail;
    }
    const SideBag *side_a = title_side_in(own.title_side, title), *side_b = title_side_in(other.title_side, other_title);
    if (side_a != NULL && side_b != NULL) {
        /* weighted_dot_of from the two title sides: the smaller walked */
        int own_walk = side_a->n <= side_b->n;
        double own_total, other_total;
        side_dots(own_walk ? side_a : side_b, own_walk ? side_b : side_a, &own_total, &other_total, &title_any);
        title_dot = own_walk ? own_total : other_total;
    } else if (weighted_dot_of(title, -1, bag_size(title), other_title, idf, &title_dot, &title_any) < 0) {
        goto fail;
    }
    double cosine = cosine_from(title_dot, title_any, own.title, title_norm);
    int meet = cosine >= floor;
    if (!meet) {
        /* a's title + body vector is its title vector where it has no body (walked the same
         * way where it has as many terms): where b's title + body bag is its title bag item
         * for item (norms_b says so; the bags are checked again, by size, against a stale
         * tuple), all_cosine would walk the title cosine's terms again and sum the same
         * products (only its norms differ). */
        Py_ssize_t terms = bag_size(title);
        if (bag_size(body) == 0 && own.all_terms == terms && other.title_is_all
                && (PyDict_CheckExact(other_title) || is_term_bag(other_title))
                && (PyDict_CheckExact(other_all) || is_term_bag(other_all))
                && bag_size(other_title) == bag_size(other_all)) {
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
    if (!meet && bag_size(body) > 0) {
        PyObject *other_body = held_attr(&h, b, K_BODY);
        int bodied = other_body == NULL ? -1 : PyObject_IsTrue(other_body);
        if (bodied < 0 || (bodied && weighted_cosine(body, -1, bag_size(body), own.body, other_body, norms,
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

/* ---- The merge pass's one-cosine ranking (reference: rank_by_title in
 * storyline/cluster/refine.py): rank_stories of a story of headlines alone read as one
 * article, whose title + body vector is its title vector (fill_vectors): read from the title
 * side its article_norms made (the weighted values, IDF and norm that vector holds), as
 * the stream reads an article's side (text_cosines), without building the vectors. ---- */

PyDoc_STRVAR(rank_by_title_doc,
"rank_by_title(story, norms, candidates, stories, df, count) -> dict | None\n\n"
"rank_stories of a StoryFeatures of headlines alone (of article_norms ``norms``) read as an\n"
"article: the ``count`` of ``candidates`` (ids into the dict ``stories``) of the highest\n"
"text_cosine, best first (ties in candidate order), with those cosines; None where the\n"
"story has a body (storyline.cluster.refine).");

static PyObject *rank_by_title(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "rank_by_title takes 6 arguments");
        return NULL;
    }
    PyObject *story = args[0], *stories = args[3], *df = args[4];
    Py_ssize_t count = PyLong_AsSsize_t(args[5]);
    ArticleNorms own;
    if ((count == -1 && PyErr_Occurred()) || norms_of_tuple(args[1], &own) < 0 || kernel_ready() < 0) {
        return NULL;
    }
    if (!PyDict_Check(stories)) {
        PyErr_SetString(PyExc_TypeError, "rank_by_title: the stories must be a dict");
        return NULL;
    }
    Held h;
    h.n = 0;
    PyObject *out = NULL, *candidates = NULL;
    double *cosines = NULL;
    Py_ssize_t *order = NULL;
    PyObject *body = held_attr(&h, story, K_BODY);
    int bodied = body == NULL ? -1 : PyObject_IsTrue(body);
    if (bodied != 0) {
        out = bodied < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    /* (the story's top names cached first, as as_article caches them) */
    PyObject *idf = hold(&h, story_top(story)) == NULL ? NULL : held_attr(&h, df, K_WEIGHTS);
    PyObject *title = idf == NULL ? NULL : held_attr(&h, story, K_TITLE);
    if (title == NULL) {
        goto done;
    }
    if (!idf_mapping(idf) || !is_bag(title)) {
        PyErr_SetString(PyExc_TypeError, "rank_by_title: the IDF weights and the title must be dicts");
        goto done;
    }
    /* the title side, held by the norms tuple (the caller's) for the call; where there is
     * none for this title, the title's weighted vector, as fill_vectors makes it */
    const SideBag *side_title = title_side_in(own.title_side, title);
    Side side;
    PyObject *vec = NULL, *vec_norm = NULL;
    if (side_title != NULL) {
        /* a Side that holds the title + body vector alone (text_cosines reads no other) */
        memset(&side, 0, sizeof(side));
        side.bag[S_ALL_VECTOR] = *side_title;
        side.bag[S_ALL_VECTOR].vector_norm = own.title; /* the title vector's norm */
    } else {
        PyObject *title_dict = text_dict(title); /* (rare: a title without a side) */
        vec = title_dict == NULL ? NULL : hold(&h, weighted_of(title_dict, idf));
        double norm = vec == NULL ? -1.0 : PyDict_GET_SIZE(vec) ? vector_norm(vec) : 1.0;
        vec_norm = FAILED(norm) ? NULL : hold(&h, PyFloat_FromDouble(norm));
        if (vec_norm == NULL) {
            goto done;
        }
    }
    /* as rank_stories from here: a tuple of the candidates (Python code run below may
     * change a list), their cosines, the best ``kept`` in a stable order */
    if ((candidates = PySequence_Tuple(args[2])) == NULL) {
        goto done;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(candidates);
    PyObject **sids = &PyTuple_GET_ITEM(candidates, 0);
    Py_ssize_t kept = count < 0 ? (n + count > 0 ? n + count : 0) : (count < n ? count : n);
    cosines = PyMem_Malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    order = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n > 0 ? n : 1));
    if (cosines == NULL || order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (text_cosines(vec, vec_norm, vec == NULL ? &side : NULL, sids, n, NULL, stories, df, idf, cosines, NULL) < 0
            || best_of((const char *)cosines, sizeof(double), n, kept, order) < 0) {
        goto done;
    }
    out = PyDict_New();
    for (Py_ssize_t j = 0; out != NULL && j < kept; j++) {
        PyObject *cosine = PyFloat_FromDouble(cosines[order[j]]);
        if (cosine == NULL || PyDict_SetItem(out, sids[order[j]], cosine) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(cosine);
    }
done:
    release(&h);
    Py_XDECREF(candidates);
    PyMem_Free(cosines);
    PyMem_Free(order);
    return out;
}

/* ---- Refinement's time veto between stories (reference: near_in_time in
 * storyline/cluster/refine.py): its loop over a story's retrieved stories, each day read
 * from the story's slots and compared in doubles, where the types allow it exactly. ---- */

/* getattr(obj, kernel name) (a new reference): a plain slot read in place (held_attr's
 * read, unheld). */
static PyObject *kernel_attr(PyObject *obj, int name) {
    const Py_ssize_t *offsets = slot_offsets(Py_TYPE(obj));
    if (offsets != NULL && offsets[name] != 0) {
        PyObject *value = *(PyObject **)((char *)obj + offsets[name]);
        if (value != NULL) {
            return Py_NewRef(value);
        }
    }
    return PyObject_GetAttr(obj, kernel_str[name]); /* an unset slot raises here */
}

/* (exact_double: compare.c) */

/* A dated story's mean day, day_sum / day_n (a new reference, as Python divides: in
 * doubles, exactly that, where both are exact; *day set where it is a double), or NULL
 * with an exception set; None (a new reference) where day_n is 0 or false. */
static PyObject *story_day(PyObject *story, double *day, int *is_double) {
    PyObject *n = kernel_attr(story, K_DAY_N);
    if (n == NULL) {
        return NULL;
    }
    int dated = PyObject_IsTrue(n);
    if (dated <= 0) {
        Py_DECREF(n);
        return dated < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *sum = kernel_attr(story, K_DAY_SUM);
    if (sum == NULL) {
        Py_DECREF(n);
        return NULL;
    }
    double s, d;
    PyObject *out;
    /* (a correctly rounded quotient of two doubles that hold the values exactly is what
     * Python's int / int and float / int give) */
    if (exact_double(sum, &s) && PyLong_CheckExact(n) && exact_double(n, &d)) {
        *day = s / d;
        *is_double = 1;
        out = Py_NewRef(Py_True);
    } else {
        *is_double = 0;
        out = PyNumber_TrueDivide(sum, n);
    }
    Py_DECREF(sum);
    Py_DECREF(n);
    return out;
}

/* Whether a story of day ``day`` and one of ``other_day`` lie further apart than the
 * window: gap > window or -gap > window, gap = day - other_day (in doubles where all three
 * are; else as Python computes it); -1 with an exception set. */
static int days_apart(PyObject *day_obj, double day, int day_double, PyObject *other_obj, double other,
                      int other_double, PyObject *window, double window_value, int window_double) {
    if (day_double && other_double && window_double) {
        double gap = day - other;
        return gap > window_value || -gap > window_value;
    }
    PyObject *a = day_double ? PyFloat_FromDouble(day) : Py_NewRef(day_obj);
    PyObject *b = a == NULL ? NULL : other_double ? PyFloat_FromDouble(other) : Py_NewRef(other_obj);
    PyObject *gap = b == NULL ? NULL : PyNumber_Subtract(a, b);
    Py_XDECREF(a);
    Py_XDECREF(b);
    if (gap == NULL) {
        return -1;
    }
    int out = PyObject_RichCompareBool(gap, window, Py_GT);
    if (out == 0) {
        PyObject *minus = PyNumber_Negative(gap);
        out = minus == NULL ? -1 : PyObject_RichCompareBool(minus, window, Py_GT);
        Py_XDECREF(minus);
    }
    Py_DECREF(gap);
    return out;
}

/* Whether other is not sid: other != sid (or not other == sid, as the reference's two
 * branches ask), as Python compares them; -1 with an exception set. */
static int other_story(PyObject *other, PyObject *sid, int op) {
    if (PyLong_CheckExact(other) && PyLong_CheckExact(sid)) {
        return PyObject_RichCompareBool(other, sid, Py_NE);
    }
    PyObject *result = PyObject_RichCompare(other, sid, op);
    if (result == NULL) {
        return -1;
    }
    int out = PyObject_IsTrue(result);
    Py_DECREF(result);
    return out < 0 ? -1 : op == Py_EQ ? !out : out;
}

PyDoc_STRVAR(near_in_time_doc,
"near_in_time(clusterer, sid, others, years_apart) -> list\n\n"
"The stories of ``others``, less ``sid``, not too far apart in time from story ``sid``:\n"
"where both are dated, their mean days within the clusterer's window; else not\n"
"``years_apart(clusterer, sid, other)`` (storyline.cluster.refine).");

/* the clusterer's attributes near_in_time reads, interned once (PyObject_GetAttrString
 * makes and interns its name at each call) */
static PyObject *stories_name, *window_days_name;

static PyObject *near_in_time(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "near_in_time takes 4 arguments");
        return NULL;
    }
    if (kernel_ready() < 0) {
        return NULL;
    }
    if (window_days_name == NULL) {
        if ((stories_name == NULL && (stories_name = PyUnicode_InternFromString("stories_")) == NULL)
                || (window_days_name = PyUnicode_InternFromString("window_days")) == NULL) {
            return NULL;
        }
    }
    PyObject *clusterer = args[0], *sid = args[1], *years_apart = args[3];
    PyObject *stories = PyObject_GetAttr(clusterer, stories_name);
    if (stories == NULL) {
        return NULL;
    }
    PyObject *others = NULL, *window = NULL, *day_obj = NULL, *near = NULL, *story = NULL;
    if (!PyDict_Check(stories)) {
        PyErr_SetString(PyExc_TypeError, "near_in_time: the clusterer's stories must be a dict");
        goto fail;
    }
    if ((story = PyDict_GetItemWithError(stories, sid)) == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, sid);
        }
        goto fail;
    }
    Py_INCREF(story);
    double day = 0.0, window_value = 0.0;
    int day_double = 0, window_double = 0;
    if ((day_obj = story_day(story, &day, &day_double)) == NULL) {
        goto fail;
    }
    int dated = day_obj != Py_None;
    if (dated) {
        if ((window = PyObject_GetAttr(clusterer, window_days_name)) == NULL) {
            goto fail;
        }
        window_double = exact_double(window, &window_value);
    }
    /* a list walked by index, its length read at each step, as a for loop walks it (the
     * years test runs Python code) */
    if ((others = PySequence_Fast(args[2], "near_in_time: others must be iterable")) == NULL
            || (near = PyList_New(0)) == NULL) {
        goto fail;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(others); i++) {
        PyObject *other = Py_NewRef(PySequence_Fast_GET_ITEM(others, i));
        int keep = other_story(other, sid, dated ? Py_EQ : Py_NE);
        int by_years = keep > 0 && !dated; /* an undated story: the years decide */
        if (keep > 0 && dated) {
            PyObject *other_obj = PyDict_GetItemWithError(stories, other);
            if (other_obj == NULL) {
                if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, other);
                }
                keep = -1;
            } else {
                Py_INCREF(other_obj);
                double other_day = 0.0;
                int other_double = 0;
                PyObject *other_day_obj = story_day(other_obj, &other_day, &other_double);
                Py_DECREF(other_obj);
                if (other_day_obj == NULL) {
                    keep = -1;
                } else if (other_day_obj == Py_None) {
                    by_years = 1; /* an undated other story */
                } else {
                    int apart = days_apart(day_obj, day, day_double, other_day_obj, other_day, other_double, window,
                                           window_value, window_double);
                    keep = apart < 0 ? -1 : !apart;
                }
                Py_XDECREF(other_day_obj);
            }
        }
        if (by_years) {
            PyObject *apart = PyObject_CallFunctionObjArgs(years_apart, clusterer, sid, other, NULL);
            int is_apart = apart == NULL ? -1 : PyObject_IsTrue(apart);
            Py_XDECREF(apart);
            keep = is_apart < 0 ? -1 : !is_apart;
        }
        if (keep > 0 && PyList_Append(near, other) < 0) {
            keep = -1;
        }
        Py_DECREF(other);
        if (keep < 0) {
            goto fail;
        }
    }
    Py_DECREF(others);
    Py_XDECREF(window);
    Py_DECREF(day_obj);
    Py_DECREF(story);
    Py_DECREF(stories);
    return near;
fail:
    Py_XDECREF(near);
    Py_XDECREF(others);
    Py_XDECREF(window);
    Py_XDECREF(day_obj);
    Py_XDECREF(story);
    Py_DECREF(stories);
    return NULL;
}

/* ---- Refinement's story views (reference: StoryViews in storyline/cluster/refine.py):
 * what the passes derive from a story, kept per version of it and asked for thousands of
 * times, mostly where it is made already. Here the lookup of a made view is a C method's,
 * not a Python method's frame. A view is a list (one the views object alone holds) of the
 * size the story had and the views made so far (None where not yet); what is made where
 * missing is made by refine.py's functions, read from its globals at that time as the
 * reference reads them. ---- */

enum { V_SIZE, V_KEYS, V_NORMS, V_TEXT_NORMS, V_VECTORS, V_TEXT, V_COUNT };

typedef struct {
    PyObject_HEAD
    PyObject *clusterer;
    PyObject *stories; /* the clusterer's stories_, read when made */
    PyObject *views;   /* a dict: the story object -> its view (a list of V_COUNT) */
} StoryViewsObject;

/* refine.py's globals that a missing view is made by, and the names read */
enum { VG_STORY_KEYS, VG_BODY_KEYS, VG_ARTICLE_NORMS, VG_TEXT_NORMS, VG_AS_ARTICLE, VG_VECTORS, VG_DF, VG_TEXT_ONLY,
       VG_KEYS, VG_STORIES, VG_NORMS, VG_HEADLINE_MERGE, VG_GET, VG_SHARES_WORDS, VG_SAMPLE, VG_MEAN,
       VG_MAX_MEMBERS, VG_COUNT };
static const char *const views_names[VG_COUNT] = {"story_keys", "STORY_BODY_KEYS", "article_norms", "text_norms",
                                                 "as_article", "ArticleVectors", "df_", "text_only", "keys",
                                                 "stories_", "norms", "headline_merge_probability", "get",
                                                 "story_shares_words", "_sample", "mean_probability",
                                                 "LINK_MAX_MEMBERS"};
static PyObject *views_str[VG_COUNT];
static PyObject *refine_globals; /* storyline.cluster.refine's __dict__ */

static int views_ready(void) {
    if (refine_globals != NULL) {
        return 0;
    }
    for (int i = 0; i < VG_COUNT; i++) {
        if (views_str[i] == NULL && (views_str[i] = PyUnicode_InternFromString(views_names[i])) == NULL) {
            return -1;
        }
    }
    PyObject *module = PyImport_ImportModule("storyline.cluster.refine");
    if (module == NULL) {
        return -1;
    }
    refine_globals = Py_NewRef(PyModule_GetDict(module));
    Py_DECREF(module);
    return 0;
}

/* A global of refine.py (a new reference), NameError where missing, as Python raises. */
static PyObject *refine_global(int name) {
    PyObject *value = PyDict_GetItemWithError(refine_globals, views_str[name]);
    if (value == NULL && !PyErr_Occurred()) {
        PyErr_Format(PyExc_NameError, "name '%U' is not defined", views_str[name]);
    }
    return Py_XNewRef(value);
}

/* f(a, b) or f(a, b, c) for a global f of refine.py (c NULL: two arguments). */
static PyObject *call_global(int name, PyObject *a, PyObject *b, PyObject *c) {
    PyObject *f = refine_global(name);
    if (f == NULL) {
        return NULL;
    }
    PyObject *args[3] = {a, b, c};
    PyObject *out = PyObject_Vectorcall(f, args, c == NULL ? 2 : 3, NULL);
    Py_DECREF(f);
    return out;
}

/* Story ``sid`` (*story, a new reference) and its view of the story's present size (a
 * new reference), made and filed where missing or of another size: the reference's
 * self._stories[sid], self._views.get(story), view.size != story.size; NULL with an
 * exception set. */
static PyObject *view_of(StoryViewsObject *self, PyObject *sid, PyObject **story) {
    PyObject *s;
    if (PyDict_CheckExact(self->stories)) {
        s = PyDict_GetItemWithError(self->stories, sid);
        if (s == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, sid);
            }
            return NULL;
        }
        Py_INCREF(s);
    } else if ((s = PyObject_GetItem(self->stories, sid)) == NULL) {
        return NULL;
    }
    PyObject *view = PyDict_GetItemWithError(self->views, s);
    PyObject *size = NULL;
    if (view == NULL && PyErr_Occurred()) {
        goto fail;
    }
    Py_XINCREF(view);
    /* (the story's size is read once either way: by the test, or by _View() where there is
     * no view yet) */
    if ((size = kernel_attr(s, K_SIZE)) == NULL) {
        goto fail;
    }
    int stale = 1;
    if (view != NULL) {
        PyObject *old = PyList_GET_ITEM(view, V_SIZE);
        if (PyLong_CheckExact(old) && PyLong_CheckExact(size)) {
            stale = PyObject_RichCompareBool(old, size, Py_NE); /* (an int is equal to itself) */
        } else {
            PyObject *ne = PyObject_RichCompare(old, size, Py_NE);
            stale = ne == NULL ? -1 : PyObject_IsTrue(ne);
            Py_XDECREF(ne);
        }
        if (stale < 0) {
            goto fail;
        }
    }
    if (stale) {
        Py_XDECREF(view);
        if ((view = PyList_New(V_COUNT)) == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(view, V_SIZE, size);
        size = NULL;
        for (int i = V_SIZE + 1; i < V_COUNT; i++) {
            PyList_SET_ITEM(view, i, Py_NewRef(Py_None));
        }
        if (PyDict_SetItem(self->views, s, view) < 0) {
            goto fail;
        }
    }
    Py_XDECREF(size);
    *story = s;
    return view;
fail:
    Py_XDECREF(view);
    Py_XDECREF(size);
    Py_DECREF(s);
    return NULL;
}

/* ``made`` (a new reference, or NULL with an exception set), set as item ``at`` of the view. */
static PyObject *view_item(PyObject *view, int at, PyObject *made) {
    if (made != NULL) {
        PyList_SetItem(view, at, Py_NewRef(made)); /* (a view stays V_COUNT long) */
    }
    return made;
}

/* What makes a view's item where it is not made yet: a new reference, NULL on an error. */
typedef PyObject *(*ViewMaker)(StoryViewsObject *self, PyObject *view, PyObject *story);

/* Item ``at`` of story ``sid``'s view: the one kept, else made by ``make`` and kept. */
static PyObject *view_member(StoryViewsObject *self, PyObject *sid, int at, ViewMaker make) {
    PyObject *story, *view;
    if (views_ready() < 0 || kernel_ready() < 0 || (view = view_of(self, sid, &story)) == NULL) {
        return NULL;
    }
    PyObject *item = PyList_GET_ITEM(view, at);
    if (item != Py_None) {
        Py_INCREF(item);
    } else {
        item = view_item(view, at, make(self, view, story));
    }
    Py_DECREF(view);
    Py_DECREF(story);
    return item;
}

static PyObject *make_keys(StoryViewsObject *self, PyObject *view, PyObject *story) {
    PyObject *most = refine_global(VG_BODY_KEYS);
    PyObject *keys = most == NULL ? NULL : call_global(VG_STORY_KEYS, story, most, NULL);
    Py_XDECREF(most);
    return keys;
}

static PyObject *make_norms(StoryViewsObject *self, PyObject *view, PyObject *story) {
    PyObject *df = PyObject_GetAttr(self->clusterer, views_str[VG_DF]);
    PyObject *norms = df == NULL ? NULL : call_global(VG_ARTICLE_NORMS, story, df, NULL);
    Py_XDECREF(df);
    return norms;
}

static PyObject *make_text_norms(StoryViewsObject *self, PyObject *view, PyObject *story) {
    /* (the merge pass's article_norms of this version, where it made them, give the title's) */
    PyObject *df = PyObject_GetAttr(self->clusterer, views_str[VG_DF]);
    PyObject *known = df == NULL ? NULL : Py_NewRef(PyList_GET_ITEM(view, V_NORMS));
    PyObject *norms = known == NULL ? NULL : call_global(VG_TEXT_NORMS, story, df, known);
    Py_XDECREF(df);
    Py_XDECREF(known);
    return norms;
}

static PyObject *StoryViews_keys(StoryViewsObject *self, PyObject *sid) {
    return view_member(self, sid, V_KEYS, make_keys);
}

static PyObject *StoryViews_norms(StoryViewsObject *self, PyObject *sid) {
    return view_member(self, sid, V_NORMS, make_norms);
}

static PyObject *StoryViews_text_norms(StoryViewsObject *self, PyObject *sid) {
    return view_member(self, sid, V_TEXT_NORMS, make_text_norms);
}

static PyObject *StoryViews_vectors(StoryViewsObject *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames) {
    if (views_ready() < 0 || kernel_ready() < 0) {
        return NULL;
    }
    PyObject *text_only = Py_False;
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    int named = nkw == 1 ? PyUnicode_Compare(PyTuple_GET_ITEM(kwnames, 0), views_str[VG_TEXT_ONLY]) == 0 : 0;
    if (nargs != 1 || nkw > 1 || (nkw == 1 && !named)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "vectors() takes a story id and the keyword text_only");
        }
        return NULL;
    }
    if (nkw == 1) {
        text_only = args[1];
    }
    PyObject *sid = args[0], *story, *view = view_of(self, sid, &story);
    if (view == NULL) {
        return NULL;
    }
    PyObject *out = NULL, *make_article = NULL, *make_vectors = NULL, *keys = NULL, *article = NULL, *df = NULL;
    if (PyList_GET_ITEM(view, V_VECTORS) != Py_None) {
        out = Py_NewRef(PyList_GET_ITEM(view, V_VECTORS));
        goto done;
    }
    int text = PyObject_IsTrue(text_only);
    if (text < 0) {
        goto done;
    }
    if (text && PyList_GET_ITEM(view, V_TEXT) != Py_None) {
        out = Py_NewRef(PyList_GET_ITEM(view, V_TEXT));
        goto done;
    }
    /* ArticleVectors(as_article(sid, story, self.keys(sid)), self.clusterer.df_, text_only=text_only),
     * set in this view (self.keys may file another, where the story has grown meanwhile) */
    if ((make_vectors = refine_global(VG_VECTORS)) == NULL || (make_article = refine_global(VG_AS_ARTICLE)) == NULL
            || (keys = PyObject_CallMethodOneArg((PyObject *)self, views_str[VG_KEYS], sid)) == NULL) {
        goto done;
    }
    PyObject *article_args[3] = {sid, story, keys};
    if ((article = PyObject_Vectorcall(make_article, article_args, 3, NULL)) == NULL
            || (df = PyObject_GetAttr(self->clusterer, views_str[VG_DF])) == NULL) {
        goto done;
    }
    PyObject *kw = PyTuple_Pack(1, views_str[VG_TEXT_ONLY]);
    if (kw == NULL) {
        goto done;
    }
    PyObject *vector_args[3] = {article, df, text_only};
    out = PyObject_Vectorcall(make_vectors, vector_args, 2, kw);
    Py_DECREF(kw);
    if (out != NULL) {
        int at = PyObject_IsTrue(text_only);
        if (at < 0) {
            Py_CLEAR(out);
        } else {
            PyList_SetItem(view, at ? V_TEXT : V_VECTORS, Py_NewRef(out));
        }
    }
done:
    Py_XDECREF(make_article);
    Py_XDECREF(make_vectors);
    Py_XDECREF(keys);
    Py_XDECREF(article);
    Py_XDECREF(df);
    Py_DECREF(view);
    Py_DECREF(story);
    return out;
}

static int StoryViews_init(StoryViewsObject *self, PyObject *args, PyObject *kwargs) {
    PyObject *clusterer;
    static char *kwlist[] = {"clusterer", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:StoryViews", kwlist, &clusterer)) {
        return -1;
    }
    if (views_ready() < 0) {
        return -1;
    }
    PyObject *stories = PyObject_GetAttr(clusterer, views_str[VG_STORIES]);
    PyObject *views = stories == NULL ? NULL : PyDict_New();
    if (views == NULL) {
        Py_XDECREF(stories);
        return -1;
    }
    Py_XSETREF(self->clusterer, Py_NewRef(clusterer));
    Py_XSETREF(self->stories, stories);
    Py_XSETREF(self->views, views);
    return 0;
}

static int StoryViews_traverse(StoryViewsObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->clusterer);
    Py_VISIT(self->stories);
    Py_VISIT(self->views);
    return 0;
}

static int StoryViews_clear(StoryViewsObject *self) {
    Py_CLEAR(self->clusterer);
    Py_CLEAR(self->stories);
    Py_CLEAR(self->views);
    return 0;
}

static void StoryViews_dealloc(StoryViewsObject *self) {
    PyObject_GC_UnTrack(self);
    StoryViews_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A view's methods read their state as made by __init__: one made by __new__ alone has none. */
static PyObject *views_unmade(void) {
    PyErr_SetString(PyExc_TypeError, "StoryViews: __init__ was not called");
    return NULL;
}

static PyObject *StoryViews_keys_of(StoryViewsObject *self, PyObject *sid) {
    return self->views == NULL ? views_unmade() : StoryViews_keys(self, sid);
}

static PyObject *StoryViews_norms_of(StoryViewsObject *self, PyObject *sid) {
    return self->views == NULL ? views_unmade() : StoryViews_norms(self, sid);
}

static PyObject *StoryViews_text_norms_of(StoryViewsObject *self, PyObject *sid) {
    return self->views == NULL ? views_unmade() : StoryViews_text_norms(self, sid);
}

static PyObject *StoryViews_vectors_of(StoryViewsObject *self, PyObject *const *args, Py_ssize_t nargs,
                                       PyObject *kwnames) {
    return self->views == NULL ? views_unmade() : StoryViews_vectors(self, args, nargs, kwnames);
}

static PyMethodDef StoryViews_methods[] = {
    {"keys", (PyCFunction)StoryViews_keys_of, METH_O, "The story's story_keys."},
    {"norms", (PyCFunction)StoryViews_norms_of, METH_O, "The story's article_norms."},
    {"text_norms", (PyCFunction)StoryViews_text_norms_of, METH_O, "The story's text_norms."},
    {"vectors", (PyCFunction)(void (*)(void))StoryViews_vectors_of, METH_FASTCALL | METH_KEYWORDS,
     "vectors(sid, *, text_only=False): the story's as_article vectors."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef StoryViews_members[] = {
    {"clusterer", T_OBJECT, offsetof(StoryViewsObject, clusterer), READONLY, "The clusterer."},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject StoryViewsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "storyline._speedups.StoryViews",
    .tp_doc = "StoryViews(clusterer): refinement's views of the clusterer's stories, kept per story version "
              "(storyline.cluster.refine).",
    .tp_basicsize = sizeof(StoryViewsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)StoryViews_init,
    .tp_dealloc = (destructor)StoryViews_dealloc,
    .tp_traverse = (traverseproc)StoryViews_traverse,
    .tp_clear = (inquiry)StoryViews_clear,
    .tp_methods = StoryViews_methods,
    .tp_members = StoryViews_members,
};


/* ---- The merge pass's loop over a story's candidates (reference: merge_scores in
 * storyline/cluster/refine.py), its bytecode a fifth of refinement's: each pair's key,
 * its cached probability, the norms of the two stories and the headline merge model's
 * probability read and called from C; refine.py's headline_merge_probability read from its
 * globals at each call, as the reference reads it. ---- */

/* mapping[key] (a new reference): an exact dict's item read in place, KeyError where missing. */
static PyObject *mapping_item(PyObject *mapping, PyObject *key) {
    if (!PyDict_CheckExact(mapping)) {
        return PyObject_GetItem(mapping, key);
    }
    PyObject *value = PyDict_GetItemWithError(mapping, key);
    if (value == NULL && !PyErr_Occurred()) {
        PyErr_SetObject(PyExc_KeyError, key);
    }
    return Py_XNewRef(value);
}

/* not story.body: 1 or 0, -1 with an exception set. */
static int headline_story(PyObject *story) {
    PyObject *body = kernel_attr(story, K_BODY);
    int bodied = body == NULL ? -1 : PyObject_IsTrue(body);
    Py_XDECREF(body);
    return bodied < 0 ? -1 : !bodied;
}

/* bool(a op b), as an if statement reads it; -1 with an exception set. */
static int compared(PyObject *a, PyObject *b, int op) {
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b)) {
        return PyObject_RichCompareBool(a, b, op); /* (an int is equal to itself) */
    }
    PyObject *result = PyObject_RichCompare(a, b, op);
    int out = result == NULL ? -1 : PyObject_IsTrue(result);
    Py_XDECREF(result);
    return out;
}

/* views.norms(sid) (a new reference): the compiled views' method called in C. */
static PyObject *views_norms(PyObject *views, PyObject *sid) {
    if (Py_IS_TYPE(views, &StoryViewsType)) {
        return StoryViews_norms_of((StoryViewsObject *)views, sid);
    }
    return PyObject_CallMethodOneArg(views, views_str[VG_NORMS], sid);
}

/* ``known or views.norms(sid)`` (a new reference; ``known`` NULL: None). */
static PyObject *known_or_norms(PyObject *known, PyObject *views, PyObject *sid) {
    if (known != NULL) {
        int truth = PyObject_IsTrue(known);
        if (truth != 0) {
            return truth < 0 ? NULL : Py_NewRef(known);
        }
    }
    return views_norms(views, sid);
}

/* Whether a pass skips a pair: its cut (a float, or any number, compared as Python does) op
 * bound (the merge pass: cut >= 1; the linkage pass: cut <= 0) and the pass not asked for
 * every pair. 1 or 0, -1 with an exception set. */
static int pass_off(PyObject *cut, long bound, int op, PyObject *every) {
    int off;
    if (PyFloat_CheckExact(cut)) {
        double c = PyFloat_AS_DOUBLE(cut);
        off = op == Py_GE ? c >= (double)bound : c <= (double)bound;
    } else {
        PyObject *b = PyLong_FromLong(bound);
        off = b == NULL ? -1 : compared(cut, b, op);
        Py_XDECREF(b);
    }
    if (off > 0) {
        int all = PyObject_IsTrue(every);
        off = all < 0 ? -1 : !all;
    }
    return off;
}

/* The state of one call of a pass over story sid's candidates: the story (held), whether it
 * is headline-only, and its norms (the merge pass: article_norms; the linkage pass:
 * text_norms) and sample where read (held). */
typedef struct {
    PyObject *story, *norms, *sample;
    int headline;
} PassOwn;

/* One pair's entry appended to ``found``, or nothing where the pass is off for it. 0, or -1
 * with an exception set. */
typedef int (*PairScore)(PyObject *const *args, PassOwn *own, PyObject *other, PyObject *found);

/* merge_scores' and link_scores' loop: ``score`` for each of the candidates args[others_at]
 * of story args[sid_at] in args[0] (the stories), the list they fill. */
static PyObject *pass_scores(PyObject *const *args, Py_ssize_t nargs, const char *name, int sid_at, int others_at,
                             PairScore score) {
    if (nargs != 12) {
        PyErr_Format(PyExc_TypeError, "%s takes 12 arguments", name);
        return NULL;
    }
    if (kernel_ready() < 0 || views_ready() < 0) {
        return NULL;
    }
    PassOwn own = {NULL, NULL, NULL, 0};
    PyObject *found = NULL, *others = NULL, *other = NULL;
    if ((own.story = mapping_item(args[0], args[sid_at])) == NULL || (own.headline = headline_story(own.story)) < 0
            || (found = PyList_New(0)) == NULL || (others = PyObject_GetIter(args[others_at])) == NULL) {
        goto fail;
    }
    while ((other = PyIter_Next(others)) != NULL) {
        int done = score(args, &own, other, found);
        Py_DECREF(other);
        if (done < 0) {
            goto fail;
        }
    }
    if (!PyErr_Occurred()) {
        goto end;
    }
fail:
    Py_CLEAR(found);
end:
    Py_XDECREF(others);
    Py_XDECREF(own.story);
    Py_XDECREF(own.norms);
    Py_XDECREF(own.sample);
    return found;
}

/* One pair's (probability, cut, other) appended to ``found``, or nothing where the pass is
 * off for it; *own_norms: story sid's norms where read (held). 0, or -1 with an exception set. */
static int merge_score(PyObject *const *args, PassOwn *own, PyObject *other, PyObject *found) {
    PyObject *story = own->story, **own_norms = &own->norms;
    int headline = own->headline;
    PyObject *stories = args[0], *sid = args[1], *scored = args[6], *views = args[7], *clusterer = args[8];
    PyObject *model = args[9];
    PyObject *so = mapping_item(stories, other), *key = NULL, *p = NULL, *norms_a = NULL, *norms_b = NULL;
    PyObject *df = NULL, *weights = NULL, *bias = NULL, *merge = NULL;
    int done = -1;
    if (so == NULL) {
        return -1;
    }
    /* cut = headline_threshold if headline and not so.body else threshold */
    int both = headline ? headline_story(so) : 0;
    if (both < 0) {
        goto fail;
    }
    PyObject *cut = both ? args[5] : args[4];
    int off = pass_off(cut, 1, Py_GE, args[3]); /* if cut >= 1 and not every: continue */
    if (off != 0) {
        done = off < 0 ? -1 : 0;
        goto fail;
    }
    /* a, b, sa, sb = (sid, other, story, so) if sid < other else (other, sid, so, story) */
    int less = compared(sid, other, Py_LT);
    if (less < 0) {
        goto fail;
    }
    PyObject *a = less ? sid : other, *b = less ? other : sid, *sa = less ? story : so, *sb = less ? so : story;
    PyObject *size_a = kernel_attr(sa, K_SIZE);
    PyObject *size_b = size_a == NULL ? NULL : kernel_attr(sb, K_SIZE);
    if (size_b != NULL) {
        key = PyTuple_Pack(4, a, size_a, b, size_b);
    }
    Py_XDECREF(size_a);
    Py_XDECREF(size_b);
    if (key == NULL) {
        goto fail;
    }
    /* p = scored.get(key) */
    if (PyDict_CheckExact(scored)) {
        p = PyDict_GetItemWithError(scored, key);
        if (p == NULL && PyErr_Occurred()) {
            goto fail;
        }
        p = Py_XNewRef(p);
    } else if ((p = PyObject_CallMethodOneArg(scored, views_str[VG_GET], key)) == NULL) {
        goto fail;
    }
    if (p == NULL || p == Py_None) {
        Py_CLEAR(p);
        if (model != Py_None) {
            int own_first = compared(a, sid, Py_EQ);
            if (own_first < 0) {
                goto fail;
            }
            if (own_first) {
                if ((norms_a = known_or_norms(*own_norms, views, a)) == NULL) {
                    goto fail;
                }
                Py_XSETREF(*own_norms, Py_NewRef(norms_a));
                if ((norms_b = views_norms(views, b)) == NULL) {
                    goto fail;
                }
            } else {
                if ((norms_a = views_norms(views, a)) == NULL
                        || (norms_b = known_or_norms(*own_norms, views, b)) == NULL) {
                    goto fail;
                }
                Py_XSETREF(*own_norms, Py_NewRef(norms_b));
            }
            /* headline_merge_probability(sa, norms_a, sb, norms_b, clusterer.df_, headline_floor,
             * headline_model[0], headline_model[1]) */
            if ((merge = refine_global(VG_HEADLINE_MERGE)) == NULL
                    || (df = PyObject_GetAttr(clusterer, views_str[VG_DF])) == NULL
                    || (weights = PySequence_GetItem(model, 0)) == NULL || (bias = PySequence_GetItem(model, 1)) == NULL) {
                goto fail;
            }
            PyObject *merge_args[8] = {sa, norms_a, sb, norms_b, df, args[10], weights, bias};
            if ((p = PyObject_Vectorcall(merge, merge_args, 8, NULL)) == NULL) {
                goto fail;
            }
        }
        if (p == NULL || p == Py_None) {
            Py_XDECREF(p);
            PyObject *pair[2] = {a, b};
            if ((p = PyObject_Vectorcall(args[11], pair, 2, NULL)) == NULL) {
                goto fail;
            }
        }
        if (PyObject_SetItem(scored, key, p) < 0) {
            goto fail;
        }
    }
    PyObject *entry = PyTuple_Pack(3, p, cut, other);
    if (entry != NULL) {
        done = PyList_Append(found, entry);
        Py_DECREF(entry);
    }
fail:
    Py_DECREF(so);
    Py_XDECREF(key);
    Py_XDECREF(p);
    Py_XDECREF(norms_a);
    Py_XDECREF(norms_b);
    Py_XDECREF(df);
    Py_XDECREF(weights);
    Py_XDECREF(bias);
    Py_XDECREF(merge);
    return done;
}

PyDoc_STRVAR(merge_scores_doc,
"merge_scores(stories, sid, others, every, threshold, headline_threshold, scored, views, clusterer,\n"
"             headline_model, headline_floor, fallback) -> list\n\n"
"merge_stories' scores: (probability, cut, other) for each of ``others`` where the merge\n"
"pass is on for the pair, or ``every`` (storyline.cluster.refine).");

static PyObject *merge_scores(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return pass_scores(args, nargs, "merge_scores", 1, 2, merge_score);
}


/* ---- The linkage pass's loop over a story's candidates (reference: link_scores in
 * storyline/cluster/refine.py): each pair's threshold and floor, the two stories' text
 * norms (the compiled views' method called in C), story_shares_words both ways,
 * _sample and mean_probability, read from refine.py's globals at each call as the
 * reference reads them. ---- */

/* views.text_norms(sid) (a new reference): the compiled views' method called in C. */
static PyObject *views_text_norms(PyObject *views, PyObject *sid) {
    if (Py_IS_TYPE(views, &StoryViewsType)) {
        return StoryViews_text_norms_of((StoryViewsObject *)views, sid);
    }
    return PyObject_CallMethodOneArg(views, views_str[VG_TEXT_NORMS], sid);
}

/* A global of refine.py called with ``n`` arguments (a new reference). */
static PyObject *call_global_n(int name, PyObject *const *args, Py_ssize_t n) {
    PyObject *f = refine_global(name);
    if (f == NULL) {
        return NULL;
    }
    PyObject *out = PyObject_Vectorcall(f, args, (size_t)n, NULL);
    Py_DECREF(f);
    return out;
}

/* bool(story_shares_words(a, norms_a, b, norms_b, df, floor)); -1 with an exception set. */
static int shares_words_of(PyObject *a, PyObject *norms_a, PyObject *b, PyObject *norms_b, PyObject *df,
                           PyObject *floor) {
    PyObject *call_args[6] = {a, norms_a, b, norms_b, df, floor};
    PyObject *result = call_global_n(VG_SHARES_WORDS, call_args, 6);
    int out = result == NULL ? -1 : PyObject_IsTrue(result);
    Py_XDECREF(result);
    return out;
}

/* One pair's (score, cut, other) appended to ``found``, or nothing where the pass is off
 * for it. 0, or -1 with an exception set. */
static int link_score(PyObject *const *args, PassOwn *own, PyObject *other, PyObject *found) {
    PyObject *stories = args[0], *members = args[1], *sid = args[2], *views = args[9], *df = args[10];
    PyObject *so = mapping_item(stories, other), *norms_other = NULL, *score = NULL, *ys = NULL;
    int done = -1;
    if (so == NULL) {
        return -1;
    }
    /* both = headline and not so.body; cut = headline_threshold if both else threshold */
    int both = own->headline ? headline_story(so) : 0;
    if (both < 0) {
        goto fail;
    }
    PyObject *cut = both ? args[6] : args[5];
    int off = pass_off(cut, 0, Py_LE, args[4]); /* if cut <= 0 and not every: continue */
    if (off != 0) {
        done = off < 0 ? -1 : 0;
        goto fail;
    }
    PyObject *floor = both ? args[7] : args[8];
    if (own->norms == NULL || own->norms == Py_None) {
        Py_XSETREF(own->norms, views_text_norms(views, sid));
        if (own->norms == NULL) {
            goto fail;
        }
    }
    if ((norms_other = views_text_norms(views, other)) == NULL) {
        goto fail;
    }
    /* (own->norms is held: the views' Python code, where it runs, cannot drop it) */
    PyObject *norms = Py_NewRef(own->norms);
    int meet = shares_words_of(own->story, norms, so, norms_other, df, floor);
    if (meet == 0) {
        meet = shares_words_of(so, norms_other, own->story, norms, df, floor);
    }
    Py_DECREF(norms);
    if (meet < 0) {
        goto fail;
    }
    if (!meet) {
        score = PyFloat_FromDouble(0.0);
    } else {
        if (own->sample == NULL || own->sample == Py_None) {
            PyObject *own_members = mapping_item(members, sid);
            Py_XSETREF(own->sample, own_members == NULL ? NULL : call_global_n(VG_SAMPLE, &own_members, 1));
            Py_XDECREF(own_members);
            if (own->sample == NULL) {
                goto fail;
            }
        }
        /* ys = members[other]; if len(ys) > LINK_MAX_MEMBERS: ys = _sample(ys) */
        if ((ys = mapping_item(members, other)) == NULL) {
            goto fail;
        }
        Py_ssize_t n = PyObject_Length(ys);
        PyObject *most = n < 0 ? NULL : refine_global(VG_MAX_MEMBERS);
        if (most == NULL) {
            goto fail;
        }
        int over;
        if (PyLong_CheckExact(most)) {
            int overflow;
            long long bound = PyLong_AsLongLongAndOverflow(most, &overflow);
            over = overflow ? overflow < 0 : (long long)n > bound;
        } else {
            PyObject *length = PyLong_FromSsize_t(n);
            over = length == NULL ? -1 : compared(length, most, Py_GT);
            Py_XDECREF(length);
        }
        Py_DECREF(most);
        if (over < 0) {
            goto fail;
        }
        if (over) {
            Py_SETREF(ys, call_global_n(VG_SAMPLE, &ys, 1));
            if (ys == NULL) {
                goto fail;
            }
        }
        PyObject *sample = Py_NewRef(own->sample);
        PyObject *mean_args[4] = {args[11], sample, ys, cut};
        score = call_global_n(VG_MEAN, mean_args, 4);
        Py_DECREF(sample);
    }
    if (score != NULL) {
        PyObject *entry = PyTuple_Pack(3, score, cut, other);
        if (entry != NULL) {
            done = PyList_Append(found, entry);
            Py_DECREF(entry);
        }
    }
fail:
    Py_DECREF(so);
    Py_XDECREF(norms_other);
    Py_XDECREF(score);
    Py_XDECREF(ys);
    return done;
}

PyDoc_STRVAR(link_scores_doc,
"link_scores(stories, members, sid, others, every, threshold, headline_threshold, headline_floor,\n"
"            body_floor, views, df, pair) -> list\n\n"
"link_stories' scores: (score, cut, other) for each of ``others`` where the linkage pass is\n"
"on for the pair, or ``every`` (storyline.cluster.refine).");

static PyObject *link_scores(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return pass_scores(args, nargs, "link_scores", 2, 3, link_score);
}
