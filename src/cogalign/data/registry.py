"""The dataset registry: every public dataset cogalign knows, where it comes from, how to load it.

Each entry names the original source URL of every file with its sha256, the citation, a
licence note, and a loader returning the tidy table. Files are found on the search path, in
the cache, or downloaded (see :mod:`cogalign.data.files`); nothing is shipped in the package.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogalign.data import loaders
from cogalign.data.files import RemoteFile, find_local, locate
from cogalign.errors import ChecksumError, CogalignError

__all__ = [
    "ITEM_NAMES",
    "REGISTRY",
    "Dataset",
    "closest_names",
    "get_dataset",
    "load",
    "register",
]

_VICE_OLD = "https://raw.githubusercontent.com/LukasMut/VICE/f484c1446459c12c15deb2df1476f53969ad6f4d"
_VICE = "https://raw.githubusercontent.com/LukasMut/VICE/5f80103ef4c9eb29477c4cadb1c9c54476d59e97"
_C13K = "https://raw.githubusercontent.com/jcpeterson/choices13k/582d85521f3b0f246401ddb5cbb2682c84257652"
_ERICSON = "https://raw.githubusercontent.com/johnmyleswhite/IntertemporalChoiceHeuristics/92a0778c239a20d1f969afad2de122be95d982ca"
_RSA = "https://raw.githubusercontent.com/rsagroup/rsatoolbox/f1f83cadb7243492a1aae7460466e0f0140b20ac/demos/92imageData"
_GENSIM = "https://raw.githubusercontent.com/RaRe-Technologies/gensim/4.4.0/gensim/test/test_data"
_DFT = "https://raw.githubusercontent.com/meaningalignment/dft/a777ec404f3d4ea18a469a80740040a0b93ba57a/data"

_NO_LICENCE = (
    "No explicit licence in the source repository: available for research; cite the paper. "
    "Not redistributed by cogalign."
)


def _f(path: str, url: str, sha256: str) -> RemoteFile:
    return RemoteFile(path, (url,), sha256)


ITEM_NAMES = _f("things/item_names.tsv", f"{_VICE}/data/files/item_names.tsv",
                "03dbe77972f9466ff8baa0da604d9f5104f677bf77cc602faebfa03a290fb51c")


@dataclass(frozen=True)
class Dataset:
    """A registered dataset.

    Attributes
    ----------
    name
        Registry name, e.g. ``"choices13k"``.
    title
        One line on what it is.
    paradigm
        The cogalign paradigm it belongs to.
    files
        Its files with source URLs and sha256.
    citation
        The reference to cite.
    licence
        Licence note.
    rows
        What the loader returns, in words (e.g. ``"14,568 problems"``).
    loader
        Function from ``{file path: local path}`` to the loaded object, or its
        ``"module:function"`` name (imported when the dataset is loaded).
    """

    name: str
    title: str
    paradigm: str
    files: tuple[RemoteFile, ...]
    citation: str
    licence: str
    rows: str
    loader: Callable[[dict[str, Path]], Any] | str

    @property
    def source(self) -> str:
        """The first file's URL (the original source)."""
        return self.files[0].urls[0]

    def availability(self) -> str:
        """Whether the files are here: ``"local"``, ``"corrupt"`` or ``"missing"``.

        ``"local"`` when every file is on the search path or in the cache and checks out,
        ``"corrupt"`` when a local copy fails its sha256, else ``"missing"``.
        """
        try:
            return "local" if all(find_local(f) is not None for f in self.files) else "missing"
        except ChecksumError:
            return "corrupt"

    def paths(self, *, download: bool = True, progress: bool = True) -> dict[str, Path]:
        """Local, checked paths of every file (downloading into the cache when allowed)."""
        return {f.path: locate(f, download=download, progress=progress) for f in self.files}

    def load(self, *, download: bool = True, progress: bool = True) -> Any:
        """Locate the files and return the tidy table (or container) the loader builds."""
        return self.load_function()(self.paths(download=download, progress=progress))

    def load_function(self) -> Callable[[dict[str, Path]], Any]:
        """The loader; one given as ``"module:function"`` is imported now.

        A paradigm whose files need the paradigm's own reader (a format only it knows) names
        its function this way, so the data layer never imports a paradigm package.
        """
        if not isinstance(self.loader, str):
            return self.loader
        import importlib

        module, _, name = self.loader.partition(":")
        return getattr(importlib.import_module(module), name)


REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry (a name may be registered once)."""
    if dataset.name in REGISTRY:
        raise CogalignError(f"dataset '{dataset.name}' is already registered")
    REGISTRY[dataset.name] = dataset
    return dataset


def get_dataset(name: str) -> Dataset:
    """Return a registered dataset by name; an unknown name gets the closest known ones.

    >>> get_dataset("choices13")                  # doctest: +SKIP
    CogalignError: unknown dataset 'choices13'; did you mean 'choices13k'? known: ...
    """
    try:
        return REGISTRY[name]
    except KeyError:
        close = closest_names(name, REGISTRY)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise CogalignError(
            f"unknown dataset '{shown}'; {hint}known: {', '.join(sorted(REGISTRY))}"
        ) from None


def closest_names(name: str, known: Iterable[str], n: int = 2) -> list[str]:
    """The known names closest to ``name`` (case and separators ignored), best first.

    Names that contain what was typed (``"things"``) come first, then names within a few
    typing mistakes (``"choises13k"``).
    """
    def norm(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    typed = norm(name)
    by_norm = {norm(k): k for k in known}
    if not typed:
        return []
    found = [k for nk, k in by_norm.items() if typed in nk or (len(nk) >= 4 and nk in typed)]
    found += [by_norm[m] for m in difflib.get_close_matches(typed, list(by_norm), n=n, cutoff=0.6)]
    return list(dict.fromkeys(found))[:n]


def load(name: str, *, download: bool = True, progress: bool = True) -> Any:
    """Load a registered dataset by name.

    Parameters
    ----------
    name
        Registry name (``cogalign datasets list`` shows them).
    download
        Download missing files into the cache; if ``False``, a missing file raises
        :class:`~cogalign.errors.DatasetNotFoundError`.
    progress
        Show a progress bar while downloading.

    Returns
    -------
    object
        A validated trial table (``pandas.DataFrame``), an
        :class:`~cogalign.data.containers.RDMStack` (``rsa92``) or a
        :class:`~cogalign.data.containers.MoralGraph` (``moralgraph-*``).
    """
    return get_dataset(name).load(download=download, progress=progress)


register(Dataset(
    "things-triplets-test",
    "THINGS odd-one-out test set: 20,000 trials, 325 people, 1,000 triplets repeated 14-25 times",
    "triplets",
    (
        _f("things/triplets_test.txt", f"{_VICE_OLD}/data/test_triplets.csv",
           "f2593378408f54fb047b2f9be040e2773be8f24118bc171d46c2c6a6da79afd4"),
        ITEM_NAMES,
    ),
    "Hebart, M. N., et al. (2023). THINGS-data. eLife 12:e82580; Muttenthaler, L., et al. "
    "(2022). VICE: Variational Interpretable Concept Embeddings. NeurIPS.",
    _NO_LICENCE,
    "20,000 trials",
    loaders.load_things_triplets,
))

register(Dataset(
    "things-concepts",
    "The 1,854 THINGS concepts: names, WordNet ids, categories, definitions",
    "triplets",
    (
        ITEM_NAMES,
        _f("things/things_concepts.tsv", f"{_VICE}/data/files/things_concepts.tsv",
           "f6eb4ec6fcad61e50a746bee820f98d1595fe655e9e210a9a407e9a17fd8cee4"),
    ),
    "Hebart, M. N., et al. (2019). THINGS: A database of 1,854 object concepts and more than "
    "26,000 naturalistic object images. PLoS ONE 14(10):e0223792.",
    "THINGS concept metadata, research use; cite the paper. Not redistributed by cogalign.",
    "1,854 concepts",
    loaders.load_things_concepts,
))

register(Dataset(
    "choices13k",
    "choices13k: choice rates for 14,568 risky-choice problems (13,006 unique), ~15-33 people each",
    "risky",
    (
        _f("choices13k/c13k_selections.csv", f"{_C13K}/c13k_selections.csv",
           "e21941718b83fd97a5997545489a66ce27bec3b3f62700a0774fb5f997fea5c7"),
        _f("choices13k/c13k_problems.json", f"{_C13K}/c13k_problems.json",
           "c6bdb0ae7e0d0ca127b649b4996a7a49b3d0c4c43e5f9a851677fe4527276632"),
    ),
    "Peterson, J. C., Bourgin, D. D., Agrawal, M., Reichman, D., & Griffiths, T. L. (2021). "
    "Using large-scale experiments and machine learning to discover theories of human "
    "decision-making. Science 372(6547):1209-1214.",
    _NO_LICENCE,
    "14,568 problems",
    loaders.load_choices13k,
))

register(Dataset(
    "ericson2015",
    "Intertemporal choice: 940 people x 25 sooner-smaller vs later-larger questions, 5 conditions",
    "intertemporal",
    (
        _f("ericson2015/choices.csv", f"{_ERICSON}/data/choices.csv",
           "6e3a3f4f91baf7408001544bfa15bdb98b618ab74eb5dfa4eec0cc9135619d14"),
    ),
    "Ericson, K. M., White, J. M., Laibson, D., & Cohen, J. D. (2015). Money earlier or later? "
    "Simple heuristics explain intertemporal choices better than delay discounting does. "
    "Psychological Science 26(6):826-833.",
    "Published with the paper's analysis code; research use, cite the paper.",
    "23,500 trials",
    loaders.load_ericson2015,
))

register(Dataset(
    "rsa92",
    "92 object images: 16 per-subject similarity-judgment RDMs, 8 human IT fMRI RDMs, 8 model RDMs",
    "similarity",
    (
        _f("rsa92/92_behavRDMs.mat", f"{_RSA}/92_behavRDMs.mat",
           "7a8e118c144c3840adeeeef6ea0706a0be2b3e80df719af15fbb56fc62562f5f"),
        _f("rsa92/92_brainRDMs.mat", f"{_RSA}/92_brainRDMs.mat",
           "1743f90a15e895798a94318649e80e1123a7e5943a1703fa1dd7c31ea5780b7c"),
        _f("rsa92/92_modelRDMs.mat", f"{_RSA}/92_modelRDMs.mat",
           "e1d2b58bb2f9508bc13da4c81b94d1ab07823b25ed30b9563bd9d6d730c2a00a"),
    ),
    "Mur, M., et al. (2013). Human object-similarity judgments reflect and transcend the "
    "primate-IT object representation. Front. Psychol. 4:128; Kriegeskorte, N., et al. (2008). "
    "Matching categorical object representations in inferior temporal cortex of man and "
    "monkey. Neuron 60(6):1126-1141.",
    "Distributed with rsatoolbox's demos (MIT licence); cite the papers.",
    "32 RDMs of 92 items",
    loaders.load_rsa92,
))

register(Dataset(
    "simlex999",
    "SimLex-999: 999 word pairs rated for similarity (0-10)",
    "similarity",
    (
        _f("wordsim/simlex999.txt", f"{_GENSIM}/simlex999.txt",
           "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d"),
    ),
    "Hill, F., Reichart, R., & Korhonen, A. (2015). SimLex-999: Evaluating semantic models "
    "with (genuine) similarity estimation. Computational Linguistics 41(4):665-695.",
    "Distributed with gensim's test data (LGPL-2.1 package); cite the paper.",
    "999 pairs",
    loaders.load_simlex999,
))

register(Dataset(
    "wordsim353",
    "WordSim-353: 353 word pairs rated for relatedness (0-10)",
    "similarity",
    (
        _f("wordsim/wordsim353.tsv", f"{_GENSIM}/wordsim353.tsv",
           "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d"),
    ),
    "Finkelstein, L., et al. (2002). Placing search in context: The concept revisited. "
    "ACM Transactions on Information Systems 20(1):116-131.",
    "Distributed with gensim's test data (LGPL-2.1 package); cite the paper.",
    "353 pairs",
    loaders.load_wordsim353,
))

register(Dataset(
    "analogies-google",
    "Google word analogies a:b::c:d, 19,544 questions in 14 sections",
    "similarity",
    (
        _f("wordsim/questions-words.txt", f"{_GENSIM}/questions-words.txt",
           "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36"),
    ),
    "Mikolov, T., Chen, K., Corrado, G., & Dean, J. (2013). Efficient estimation of word "
    "representations in vector space. arXiv:1301.3781.",
    "Distributed with gensim's test data (LGPL-2.1 package); cite the paper.",
    "19,544 analogies",
    loaders.load_analogies,
))

_MGE_CITATION = (
    "Klingefjord, O., Lowe, R., & Edelman, J. (2024). What are human values, and how do we "
    "align AI to them? arXiv:2404.10636."
)

register(Dataset(
    "moralgraph-mge-prolific",
    "Moral graph from the Prolific run of Moral Graph Elicitation: 59 values, 67 edges",
    "moralgraph",
    (
        _f("moralgraph/moral-graph-prolific-run.json", f"{_DFT}/moral-graph-prolific-run.json",
           "c11e245c437e5289f5efd463768f4ac747fb062fd12f4123edb814cdc5b5379f"),
    ),
    _MGE_CITATION,
    _NO_LICENCE,
    "59 values, 67 edges",
    loaders.load_moralgraph_prolific,
))

register(Dataset(
    "moralgraph-mge-all",
    "Moral graph from all Moral Graph Elicitation participants: 60 values, 69 edges",
    "moralgraph",
    (
        _f("moralgraph/moral-graph-all-participants.json",
           f"{_DFT}/moral-graph-all-participants.json",
           "f4f64ee30f6122a158ec8dc859b0cfbda169135714f77015f64b12a61cbfc79d"),
    ),
    _MGE_CITATION,
    _NO_LICENCE,
    "60 values, 69 edges",
    loaders.load_moralgraph_all,
))

_MR = "https://raw.githubusercontent.com/LeonardoJost/MRExperiment/acba41caf5c25abd4dc7d027a4358fa89fdd8a4e/datasetJostJansen2020/tables"
_HAMRICK = "https://raw.githubusercontent.com/jhamrick/optimal-mental-rotation/b56044e46604b1e0ce9b87753ecc32632a65338f/results/D"

register(Dataset(
    "rotation-ganis-kievit-2015",
    "Mental rotation, trial level: 54 people, same/different 3-D cube figures at 0-150 degrees",
    "rotation",
    (
        _f("rotation/ganis_kievit_2015.csv",
           "https://raw.githubusercontent.com/llorban/rworkshop/2d4b345c85cd909ae2c9ab81857897ec54d7d4b2/day2/MentalRotation.csv",
           "3a5eb0fb10d21c6cc454cf77d290e10bcf08902af0ca88bb71ff77605d61ed1d"),
    ),
    "Ganis, G. & Kievit, R. (2015). A new set of three-dimensional shapes for investigating "
    "mental rotation processes: validation data and stimulus set. Journal of Open Psychology "
    "Data 3(1):e3. doi:10.5334/jopd.ai. Data: figshare doi:10.6084/m9.figshare.1045385.",
    "Data freely available, article CC BY 4.0; cite the paper. Not redistributed by cogalign.",
    "5,071 trials",
    loaders.load_ganis_kievit_2015,
))

register(Dataset(
    "rotation-jost-jansen-2020",
    "Mental rotation, trial level: 41 people, two-choice mirror discrimination, 16 cube figures",
    "rotation",
    (
        _f("rotation/jost_jansen_2020.csv", f"{_MR}/dataset.csv",
           "e5bf1a6bad564be1b93bb13dacdfd71e4dda8672cf2c15efa98c91627491d946"),
    ),
    "Jost, L. & Jansen, P. (2020). A novel approach to analyzing all trials in chronometric "
    "mental rotation and description of a flexible extended library of stimuli. Spatial "
    "Cognition & Computation 20(3):234-256. doi:10.1080/13875868.2020.1754833.",
    "GPL-3.0 (the source repository): downloaded from the source on request, never "
    "redistributed by cogalign.",
    "17,900 trials",
    loaders.load_jost_jansen_2020,
))

register(Dataset(
    "rotation-hamrick-griffiths-2014",
    "Mental rotation, aggregated: RT and accuracy by angle (0-180 degrees), 200 people, 2-D polygons",
    "rotation",
    (
        _f("rotation/hamrick_griffiths_2014_theta_time.csv", f"{_HAMRICK}/theta_time.csv",
           "0d674552b49aee8206f4d5cfb0d2a7fd442df14eaed2bcf72f7380482ef3afdd"),
        _f("rotation/hamrick_griffiths_2014_theta_accuracy.csv", f"{_HAMRICK}/theta_accuracy.csv",
           "95154a6fde975e4137560c88504a48552ff3e0c73c4503df31f4dfc52acd0f5c"),
    ),
    "Hamrick, J. B. & Griffiths, T. L. (2014). What to simulate? Inferring the right direction "
    "for mental rotation. Proceedings of the 36th Annual Meeting of the Cognitive Science "
    "Society.",
    "Data package licence ODC-BY (the source repository); cite the paper. Not redistributed "
    "by cogalign.",
    "20 conditions",
    loaders.load_hamrick_griffiths_2014,
))

_WS353_RATERS = ("https://raw.githubusercontent.com/fanglanting/skip-gram-pytorch/"
                 "0a16cd6b03f56ebca1854c4b07368ea826625d0f/wordsim353")
_WS353_INSTRUCTIONS = _f("wordsim/wordsim353_raters/instructions.txt",
                         f"{_WS353_RATERS}/instructions.txt",
                         "276722cafef27972548bc068af11a60523ce55c07660b3aee4dbe428755551d9")
_WS353_CITATION = ("Finkelstein, L., Gabrilovich, E., Matias, Y., Rivlin, E., Solan, Z., Wolfman, "
                   "G., & Ruppin, E. (2002). Placing search in context: The concept revisited. "
                   "ACM Transactions on Information Systems 20(1):116-131.")
_WS353_LICENCE = ("Distributed by the authors (gabrilovich.com/resources/data/wordsim353) for "
                  "research; cite the paper. Not redistributed by cogalign.")

register(Dataset(
    "wordsim353-raters-set1",
    "WordSim-353 set 1 per rater: 13 raters x 153 word pairs, relatedness 0-10",
    "similarity",
    (
        _f("wordsim/wordsim353_raters/set1.tab", f"{_WS353_RATERS}/set1.tab",
           "e7ecd8858b9d1585faebb55b135ce4f354deb4130e5c519caa5fdaa1ed530067"),
        _WS353_INSTRUCTIONS,
    ),
    _WS353_CITATION,
    _WS353_LICENCE,
    "13 raters x 152 pairs (tiger-tiger dropped)",
    loaders.load_wordsim353_raters_set1,
))

register(Dataset(
    "wordsim353-raters-set2",
    "WordSim-353 set 2 per rater: 16 raters x 200 word pairs, relatedness 0-10",
    "similarity",
    (
        _f("wordsim/wordsim353_raters/set2.tab", f"{_WS353_RATERS}/set2.tab",
           "e2656288a78dc0a4b29ab850630ff415d2dc63208e2d55986c08bdcd3246fb44"),
        _WS353_INSTRUCTIONS,
    ),
    _WS353_CITATION,
    _WS353_LICENCE,
    "16 raters x 200 pairs",
    loaders.load_wordsim353_raters_set2,
))

_CARD660 = ("https://raw.githubusercontent.com/ziyi-yang/KG2Vec/"
            "7ec9cf5bdf4694543caf48fa747b98450bc7ef6c/test_data/card-660")

register(Dataset(
    "card660",
    "Card-660 rare-word similarity per annotator: 8 experts x 660 word pairs, similarity 0-4",
    "similarity",
    (
        _f("card660/dataset.tsv", f"{_CARD660}/dataset.tsv",
           "4a3cf91de9a0b4baed3b49f14ff03a9d357af87aaac84c0e60cc5e192487b7d9"),
        _f("card660/scores.tsv", f"{_CARD660}/scores.tsv",
           "0cef4d9c10bb38ed181dd3deb3484c538a31c7b8380c219a9687331ff07ff8a8"),
        _f("card660/similarity_scale.txt", f"{_CARD660}/similarity_scale.txt",
           "77bee0ed529c17d1a46421d7a6f58c96e453a4133558d9a5186b653f8487469c"),
    ),
    "Pilehvar, M. T., Kartsaklis, D., Prokhorov, V., & Collier, N. (2018). Card-660: Cambridge "
    "Rare Word Dataset - a reliable benchmark for infrequent word representation models. "
    "EMNLP 2018, 1391-1401.",
    "Published by the authors (pilehvar.github.io/card-660) for research; cite the paper. "
    "Not redistributed by cogalign.",
    "8 annotators x 660 pairs",
    loaders.load_card660,
))

_BELIEF_EMBEDDING = (
    "https://raw.githubusercontent.com/ByunghweeLee-IU/Belief-Embedding/"
    "bb658f329d7ccfb364cb28d265ec6c9faa5db3d9/dataset/User_survey"
)
_BELIEF_CITATION = (
    "Lee, B., Aiyappa, R., Ahn, Y.-Y., Kwak, H., & An, J. (2024). Neural embedding of beliefs "
    "reveals the role of relative dissonance in human decision-making. arXiv:2408.07237; "
    "Durmus, E., & Cardie, C. (2019). A corpus for modeling user and language effects in "
    "argumentation on online debating. ACL 2019."
)
_BELIEF_LICENCE = (
    "MIT licence (github.com/ByunghweeLee-IU/Belief-Embedding); debate.org data from Durmus & "
    "Cardie (2019), research use. Not redistributed by cogalign."
)

register(Dataset(
    "ddo-big-issues",
    "debate.org users' Pro/Con stances on 48 big issues, with party and religion",
    "beliefs",
    (
        _f("beliefs/issue2groups_useridx.p", f"{_BELIEF_EMBEDDING}/issue2groups%28useridx%29.p",
           "7632322580f918512ad182a193a2f179af7abbed0ea06e71ef9cf8f9ead5d09a"),
    ),
    _BELIEF_CITATION,
    _BELIEF_LICENCE,
    "272,923 stances of 13,524 people",
    "cogalign.beliefs.data:load_ddo_big_issues",
))

register(Dataset(
    "ddo-issue-party",
    "Per big issue: share of Republicans and Democrats who are Pro, and the party gap",
    "beliefs",
    (
        _f("beliefs/ddo_issue_party_pro_ratio.csv",
           f"{_BELIEF_EMBEDDING}/ddo_issue_survey_pro_ratio.csv",
           "3e73e636347d85801d304fbe1ad428a954cfc4f266e4fa2824a7868d797ffafd"),
    ),
    _BELIEF_CITATION,
    _BELIEF_LICENCE,
    "48 issues",
    "cogalign.beliefs.data:load_ddo_issue_party",
))
