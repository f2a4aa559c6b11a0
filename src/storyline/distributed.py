"""Scale-out on Dask: the per-document work runs on a cluster, the story decisions stay local.

Extraction and annotation (spaCy) are most of a run's time and each document is
independent, so they are mapped over Dask partitions. Deduplication and online
clustering depend on arrival order, so the driver applies them to the results in
input order: the stories come out the same as with :class:`Pipeline` (the tests
check this), only faster when there are more cores or machines.

    storyline run crawl/ --dask local                # a local cluster, one worker per core
    storyline run crawl/ --dask tcp://scheduler:8786 # an existing cluster
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from .config import Settings
from .extract import BoilerplateModel
from .model import AnnotatedArticle, Document
from .pipeline import Pipeline, Rejected, annotator_for, extract_and_annotate
from .store import Store

logger = logging.getLogger(__name__)

#: documents per Dask partition: each partition loads spaCy once (about 1 s),
#: so partitions must hold enough work to amortise that.
PARTITION_DOCUMENTS = 200


def _work_partition(
    documents: list[Document], boilerplate_state: dict[str, Any], settings: Settings
) -> list[AnnotatedArticle | Rejected]:
    boilerplate = BoilerplateModel.from_dict(boilerplate_state)
    return list(extract_and_annotate(documents, annotator=annotator_for(settings), boilerplate=boilerplate,
                                     settings=settings))


class DaskPipeline(Pipeline):
    """A :class:`Pipeline` whose extraction and annotation run on Dask.

    ``scheduler`` is a Dask scheduler address, or None for a local cluster with
    ``workers`` processes.
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings | None = None,
        scheduler: str | None = None,
        workers: int | None = None,
    ) -> None:
        super().__init__(store, settings=settings)
        self.scheduler = scheduler
        self.workers = workers

    def _extract_and_annotate(self, documents: Iterable[Document], count: int) -> Iterator[AnnotatedArticle | Rejected]:
        documents = list(documents)  # Dask partitions a sequence
        if not documents:
            return iter(())
        import dask.bag as db
        from dask.distributed import Client, LocalCluster

        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True)
            client = Client(cluster)
        try:
            partitions = max(1, -(-len(documents) // PARTITION_DOCUMENTS))
            bag = db.from_sequence(documents, npartitions=partitions)
            state = self.boilerplate.to_dict()
            results = bag.map_partitions(_work_partition, state, self.settings).compute()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        logger.info("analysed %d documents on Dask in %d partitions", len(documents), partitions)
        return iter(results)
