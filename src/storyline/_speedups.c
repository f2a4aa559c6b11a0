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
 *
 * The code is kept in one file per stage in _c/, included below in this order (each part's
 * opening comment says what it serves, its Python references and the parts it uses), and
 * compiled as one translation unit, this file (a "unity build": setup.py lists it as the
 * extension's only source, the parts as its dependencies; a part is never compiled on its
 * own). One unit keeps every helper static and inlinable across the stages, so the split
 * changes no generated code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <structmember.h> /* T_OBJECT_EX: a slot's member type */

#include "_c/common.c"      /* Sum, slot readers, IDF lookups, the kernel's names, Held */
#include "_c/terms.c"       /* TermTable: the IDF weights as C data (cluster/features.py) */
#include "_c/termbag.c"     /* TermBag: a story's term bags as C data (cluster/features.py) */
#include "_c/bags.c"        /* sparse bag kernels (cluster/_sparse.py) */
#include "_c/bookkeeping.c" /* StoryFeatures' sums, term and story rankings (cluster/_sparse.py) */
#include "_c/keyindex.c"    /* the KeyIndex type (cluster/_sparse.py) */
#include "_c/compare.c"     /* the scoring kernel: an article against a story (cluster/features.py, online.py) */
#include "_c/refine.c"      /* refinement's merge pass, article pairs, story views (cluster/refine.py) */
#include "_c/lines.c"       /* text mode's line loops (extract/_lines.py, _titles.py, boilerplate.py, _trees.py) */
#include "_c/features.c"    /* featurize (cluster/features.py, timeinfo.py) */
#include "_c/stream.c"      /* the stream's join decision and sums (cluster/online.py, features.py) */
#include "_c/online.c"      /* the stream's step for one article in one call (cluster/online.py) */
#include "_c/module.c"      /* the method table and PyInit__speedups */
