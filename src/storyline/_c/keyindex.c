/* keyindex.c: the clusterer's inverted index, the KeyIndex type (reference: the class of
 * that name in storyline/cluster/_sparse.py). Uses common.c (idf_of, FAILED). */

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

/* ... and, apart (what retrieval walks, packed: eight to a cache line), its score: the
 * summed IDF of a retrieval under way, else NOT_SCORED. A sum starts at -0.0, which no
 * sum of weights >= +0.0 ever is (-0.0 + w is w; a weight of -0.0 is added as +0.0), so
 * a story's first key is told by the sum's bits, with no stamp to read and write, and its
 * sum is the reference's 0.0 + w1 + w2 ... to the last bit. */
static const double NOT_SCORED = -0.0;
#define NOT_SCORED_BITS 0x8000000000000000ULL

static inline uint64_t score_bits(double score) {
    uint64_t bits;
    memcpy(&bits, &score, sizeof bits);
    return bits;
}

/* Where a dict's version tag is unique to its contents (CPython 3.11: a global counter
 * that each change of any dict advances), an IDF weight read from it holds while the
 * IDF dict has the version it had then: top reads a key's weight again only then. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define IDF_VERSIONS 1
#else
#define IDF_VERSIONS 0
#endif

/* A key and the slots of the stories filed under it (in no order); key NULL: an empty place. */
typedef struct {
    PyObject *key; /* an exact str, held */
    Py_hash_t hash;
    uint32_t *holders;
    uint32_t n, capacity;
    double idf;           /* the key's IDF weight as last read by top... */
    uint64_t idf_version; /* ...from the IDF dict at this version (0: none read) */
} KeyHolders;

typedef struct {
    PyObject_HEAD
    KeyHolders *table; /* open addressing with linear probing, at most half full */
    size_t mask;       /* the table's size - 1 */
    Py_ssize_t used;   /* keys held */
    StorySlot *slots;
    double *scores;       /* by slot: NOT_SCORED but during a retrieval */
    uint32_t *free_slots; /* a stack of the slots of stories no longer filed */
    uint32_t *touched;    /* the slots a retrieval scored, in no order (scratch) */
    uint32_t *by_sid;     /* 1 + the slot of a story by its id (as the table; 0: empty) */
    size_t sid_mask;
    uint32_t slot_count, slot_capacity, free_count;
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
    KeyHolders *table = size > PY_SSIZE_T_MAX / sizeof(KeyHolders) ? NULL : PyMem_Malloc(size * sizeof(KeyHolders));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < size; k++) {
        table[k].key = NULL; /* an empty place: its other fields are set when a key is put there */
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
    self->table[i] = (KeyHolders){NULL, 0, NULL, 0, 0, 0.0, 0};
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
    double *scores = PyMem_Realloc(self->scores, capacity * sizeof(double));
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
    self->scores[s] = NOT_SCORED;
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
        *e = (KeyHolders){Py_NewRef(key), hash, holders, 1, 4, 0.0, 0};
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

typedef struct {
    double score;
    long long sid;
    uint32_t slot;
} RankedStory;

/* Whether ``a`` ranks above ``b``: the higher score, of equal scores the higher id (the
 * scores are never NaN; no two stories share an id). */
static inline int ranks_above(const RankedStory *a, const RankedStory *b) {
    return a->score > b->score || (a->score == b->score && a->sid > b->sid);
}

static int ranked_story_order(const void *x, const void *y) {
    const RankedStory *a = x, *b = y;
    if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    return a->sid > b->sid ? -1 : a->sid < b->sid;
}

/* Inserts ``r`` into kept[0..at] (best first, kept[at] free or the one it displaces). */
static inline void insert_ranked(RankedStory *kept, Py_ssize_t at, RankedStory r) {
    while (at > 0 && ranks_above(&r, &kept[at - 1])) {
        kept[at] = kept[at - 1];
        at--;
    }
    kept[at] = r;
}

/* The ``count`` best of the ``scored`` stories retrieved (the index's touched slots) into
 * ``order``, best first, each touched slot's score set back to NOT_SCORED; 0, or -1 with
 * an exception set (the scores set back all the same). */
#define FEW_RANKED 16
static int rank_retrieved(KeyIndexObject *self, Py_ssize_t scored, Py_ssize_t count, uint32_t *order) {
    double *scores = self->scores;
    const uint32_t *touched = self->touched;
    if (count <= FEW_RANKED) {
        /* the kept ones' scores and ids on the stack: most stories are turned away by one
         * comparison with the last kept score */
        RankedStory kept[FEW_RANKED];
        Py_ssize_t k = 0;
        for (; k < count; k++) { /* count <= scored */
            uint32_t s = touched[k];
            insert_ranked(kept, k, (RankedStory){scores[s], self->slots[s].sid, s});
            scores[s] = NOT_SCORED;
        }
        for (; k < scored; k++) {
            uint32_t s = touched[k];
            double x = scores[s];
            scores[s] = NOT_SCORED;
            if (count == 0 || x < kept[count - 1].score) {
                continue;
            }
            RankedStory r = {x, self->slots[s].sid, s};
            if (ranks_above(&r, &kept[count - 1])) {
                insert_ranked(kept, count - 1, r);
            }
        }
        for (k = 0; k < count; k++) {
            order[k] = kept[k].slot;
        }
        return 0;
    }
    RankedStory *ranked = PyMem_Malloc((size_t)scored * sizeof(RankedStory));
    for (Py_ssize_t k = 0; k < scored; k++) {
        uint32_t s = touched[k];
        if (ranked != NULL) {
            ranked[k] = (RankedStory){scores[s], self->slots[s].sid, s};
        }
        scores[s] = NOT_SCORED;
    }
    if (ranked == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    qsort(ranked, (size_t)scored, sizeof(RankedStory), ranked_story_order);
    for (Py_ssize_t k = 0; k < count; k++) {
        order[k] = ranked[k].slot;
    }
    PyMem_Free(ranked);
    return 0;
}

/* idf[key] as idf_of reads it, for the key of ``e``: the weight it read before where the
 * IDF dict is unchanged since (its version), else read (and an exact float kept). */
static inline double idf_weight(PyObject *idf, PyObject *key, KeyHolders *e) {
    if (is_term_table(idf)) { /* its version changes with any weight it gives */
        uint64_t version = term_table_version(idf);
        if (e->idf_version == version) {
            return e->idf;
        }
        double weight = term_table_idf(idf, key);
        if (!FAILED(weight) && term_table_version(idf) == version) {
            e->idf = weight;
            e->idf_version = version;
        }
        return weight;
    }
#if IDF_VERSIONS
    uint64_t version = ((PyDictObject *)idf)->ma_version_tag;
    if (e->idf_version == version) {
        return e->idf;
    }
    /* a lookup of an exact str runs no Python code where the dict's keys are strs; where
     * another key's __eq__ runs and changes the dict, its version is no longer this one */
    PyObject *value = PyDict_GetItemWithError(idf, key);
    if (value != NULL && PyFloat_CheckExact(value)) {
        e->idf = PyFloat_AS_DOUBLE(value);
        e->idf_version = version;
        return e->idf;
    }
    if (value == NULL) {
        return PyErr_Occurred() ? -1.0 : idf_missing(idf, key);
    }
    return float_of(value);
#else
    return idf_of(idf, key);
#endif
}

PyDoc_STRVAR(KeyIndex_top_doc,
"top(keys, idf, most, limit) -> list\n\n"
"The ``limit`` stories (ids) with the highest summed idf[key] over the ``keys`` they are\n"
"filed under (keys held by more than ``most`` stories are skipped), best first; of equal\n"
"sums the higher id first. An IDF weight must be a number >= 0 (ValueError).");

/* The IDF weights KeyIndex.top read for an article's keys (its title terms, then its
 * names, ...), in their order, for decide's side of the article (retrieve_and_decide):
 * a term at the next place read from here, not looked up again, while the IDF dict keeps
 * the version top left it with (no weight changed, none added since). */
#define TOP_READS 64
typedef struct TopReads {
    uint64_t version; /* 0: none to be read */
    Py_ssize_t n, at;
    PyObject *terms[TOP_READS]; /* borrowed from the keys (a tuple the caller holds) */
    double weights[TOP_READS];
} TopReads;

/* Keeps a key's weight as top read it (the first TOP_READS of them). */
static void top_read(TopReads *reads, PyObject *key, double weight) {
    if (reads->n < TOP_READS) {
        reads->terms[reads->n] = key;
        reads->weights[reads->n++] = weight;
    }
}

/* Adds ``weight`` (never -0.0) to the sums of the ``n`` stories in ``holders``, each story
 * scored first here added to ``touched`` (``scored`` of them before); the count after.
 * Apart, so that its few pointers stay in registers. */
static inline Py_ssize_t add_to_sums(double *restrict scores, uint32_t *restrict touched, Py_ssize_t scored,
                                    const uint32_t *restrict holders, uint32_t n, double weight) {
    for (uint32_t k = 0; k < n; k++) {
        uint32_t s = holders[k];
        double sum = scores[s];
        if (score_bits(sum) == NOT_SCORED_BITS) {
            touched[scored++] = s;
        }
        scores[s] = sum + weight;
    }
    return scored;
}

/* KeyIndex.top's retrieval: the ids of the ``limit`` best stories (new references, best
 * first) into ids[0..*count) (room for ``limit``); -1 with an exception set. Where
 * ``reads`` is not NULL, the keys whose IDF weights it reads, and those, go to it
 * (stream.c). */
static int index_top(KeyIndexObject *self, PyObject *keys_obj, PyObject *idf, Py_ssize_t most, Py_ssize_t limit,
                     PyObject **ids, Py_ssize_t *count_out, TopReads *reads) {
    if (!idf_mapping(idf)) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top: idf must be a dict");
        return -1;
    }
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "KeyIndex.top: limit must not be negative");
        return -1;
    }
    if (index_free(self) < 0) {
        return -1;
    }
    self->busy = 1;
    double *scores = self->scores;
    Py_ssize_t scored = 0;
    int out = -1;
    PyObject *key;
    uint32_t few[FEW_RANKED], *order = few;
    ItemWalk keys;
    if (items_begin(&keys, keys_obj) < 0) {
        goto done;
    }
    while ((key = items_next(&keys)) != NULL) {
        Py_hash_t hash = key_hash(key);
        KeyHolders *e = hash == -1 ? NULL : &self->table[key_place(self, key, hash)];
        if (e == NULL || e->key == NULL || (Py_ssize_t)e->n > most) {
            Py_DECREF(key);
            if (e == NULL) {
                break;
            }
            continue;
        }
        /* Python code an IDF's __missing__ runs cannot change the index (busy): e stays */
        double weight = idf_weight(idf, key, e);
        Py_DECREF(key);
        if (FAILED(weight)) {
            break;
        }
        if (!(weight >= 0)) {
            PyErr_SetString(PyExc_ValueError, "KeyIndex.top: IDF weights must be numbers >= 0");
            break;
        }
        if (reads != NULL) {
            top_read(reads, key, weight); /* the key is the keys tuple's (held by the caller) */
        }
        weight += 0.0; /* -0.0 as +0.0: a sum is then never NOT_SCORED */
        scored = add_to_sums(self->scores, self->touched, scored, e->holders, e->n, weight);
    }
    items_end(&keys);
    Py_ssize_t count = scored < limit ? scored : limit;
    if (PyErr_Occurred() || (count > FEW_RANKED && (order = PyMem_Malloc((size_t)count * sizeof(uint32_t))) == NULL)) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        order = few;
        for (Py_ssize_t k = 0; k < scored; k++) { /* the scores left as no retrieval's */
            scores[self->touched[k]] = NOT_SCORED;
        }
        goto done;
    }
    if (rank_retrieved(self, scored, count, order) < 0) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        ids[k] = Py_NewRef(self->slots[order[k]].sid_obj);
    }
    *count_out = count;
    out = 0;
done:
    if (order != few) {
        PyMem_Free(order);
    }
    self->busy = 0;
    return out;
}

/* KeyIndex.top's arguments most and limit, read into *most and *limit; -1 with an
 * exception set. */
static int top_bounds(PyObject *most_obj, PyObject *limit_obj, Py_ssize_t *most, Py_ssize_t *limit) {
    *most = PyLong_AsSsize_t(most_obj);
    *limit = *most == -1 && PyErr_Occurred() ? -1 : PyLong_AsSsize_t(limit_obj);
    return *limit == -1 && PyErr_Occurred() ? -1 : 0;
}

static PyObject *KeyIndex_top(KeyIndexObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top takes keys, idf, most and limit");
        return NULL;
    }
    Py_ssize_t most, limit, count = 0;
    if (!idf_mapping(args[1])) {
        PyErr_SetString(PyExc_TypeError, "KeyIndex.top: idf must be a dict");
        return NULL;
    }
    if (top_bounds(args[2], args[3], &most, &limit) < 0) {
        return NULL;
    }
    /* the ids straight into the list's items (room for as many as it may find; its size
     * set after) */
    Py_ssize_t room = limit < (Py_ssize_t)self->slot_count ? limit : (Py_ssize_t)self->slot_count;
    PyObject *out = PyList_New(room > 0 ? room : 0);
    if (out == NULL) {
        return NULL;
    }
    if (index_top(self, args[0], args[1], most, limit, ((PyListObject *)out)->ob_item, &count, NULL) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    Py_SET_SIZE(out, count);
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
