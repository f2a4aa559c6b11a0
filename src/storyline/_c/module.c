/* module.c: the module's method table and PyInit__speedups (which interns lines.c's
 * strings and readies keyindex.c's KeyIndex type and terms.c's TermTable). Uses every part
 * before it. */

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
    {"rank_by_title", (PyCFunction)(void (*)(void))rank_by_title, METH_FASTCALL, rank_by_title_doc},
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
    {"retrieve_and_decide", (PyCFunction)(void (*)(void))retrieve_and_decide, METH_FASTCALL,
     retrieve_and_decide_doc},
    {"add_article", (PyCFunction)(void (*)(void))add_article, METH_FASTCALL, add_article_doc},
    {"count_article", (PyCFunction)(void (*)(void))count_article, METH_FASTCALL, count_article_doc},
    /* the stream's step for one article */
    {"register_stream_glue", (PyCFunction)(void (*)(void))register_stream_glue, METH_FASTCALL,
     register_stream_glue_doc},
    {"add_to_stream", (PyCFunction)(void (*)(void))add_to_stream, METH_FASTCALL, add_to_stream_doc},
    /* refinement's story views */
    {"merge_scores", (PyCFunction)(void (*)(void))merge_scores, METH_FASTCALL, merge_scores_doc},
    {"link_scores", (PyCFunction)(void (*)(void))link_scores, METH_FASTCALL, link_scores_doc},
    {"story_keys", (PyCFunction)(void (*)(void))story_keys, METH_FASTCALL, story_keys_doc},
    {"text_norms", (PyCFunction)(void (*)(void))text_norms, METH_FASTCALL, text_norms_doc},
    {"story_shares_words", (PyCFunction)(void (*)(void))story_shares_words, METH_FASTCALL, story_shares_words_doc},
    {"near_in_time", (PyCFunction)(void (*)(void))near_in_time, METH_FASTCALL, near_in_time_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_speedups",
    .m_doc = "Hot loops of storyline in C (see cluster/_sparse.py and extract/_lines.py).",
    .m_size = -1,
    .m_methods = methods,
};

/* whether these loops were built with the profile of a training run (scripts/build_speedups.sh;
 * setup.py defines the macro): the bench reports it beside its times */
#ifdef STORYLINE_PROFILE_GUIDED
#define PROFILE_GUIDED 1
#else
#define PROFILE_GUIDED 0
#endif

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
    if (PyType_Ready(&TermTableType) < 0 || PyType_Ready(&TermCountsType) < 0 || PyType_Ready(&TermBagType) < 0
            || PyType_Ready(&StoryViewsType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddObjectRef(m, "KeyIndex", (PyObject *)&KeyIndexType) < 0
                      || PyModule_AddObjectRef(m, "TermTable", (PyObject *)&TermTableType) < 0
                      || PyModule_AddObjectRef(m, "TermCounts", (PyObject *)&TermCountsType) < 0
                      || PyModule_AddObjectRef(m, "TermBag", (PyObject *)&TermBagType) < 0
                      || PyModule_AddObjectRef(m, "StoryViews", (PyObject *)&StoryViewsType) < 0
                      || PyModule_AddIntConstant(m, "PROFILE_GUIDED", PROFILE_GUIDED) < 0)) {
        Py_CLEAR(m);
    }
    return m;
}
