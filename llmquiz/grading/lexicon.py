"""Word lists the grader reasons with: function words, negation cues, verbs and opposite pairs.

Kept as data in one place so a wrong grade can be traced to a word and fixed here, not in the logic.
Surface words are stemmed with `text.stem` when first used, so every form of a word counts.
"""

from __future__ import annotations

from functools import lru_cache

from llmquiz.grading.text import stem

# Words that carry grammar rather than content. They never count as a matched term and they break
# a "run" of bare nouns in the keyword-salad check.
FUNCTION_WORDS = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "there", "here", "it", "its", "it's", "they", "them",
    "their", "we", "our", "you", "your", "i", "me", "my", "he", "she", "his", "her", "one", "ones", "some",
    "any", "each", "every", "all", "both", "either", "neither", "other", "another", "such", "same", "own",
    "and", "or", "but", "nor", "so", "yet", "also", "too", "then", "than", "thus", "hence", "therefore",
    "because", "since", "though", "although", "while", "whereas", "if", "unless", "until", "when", "whenever",
    "where", "wherever", "whether", "which", "who", "whom", "whose", "what", "how", "why", "of", "in", "on",
    "at", "by", "for", "with", "without", "to", "from", "into", "onto", "over", "under", "about", "above",
    "below", "between", "among", "through", "during", "before", "after", "against", "per", "via", "across",
    "along", "around", "behind", "beyond", "inside", "outside", "toward", "towards", "upon", "within", "as",
    "like", "unlike", "instead", "rather", "just", "only", "even", "still", "already", "again", "very",
    "much", "many", "more", "most", "less", "least", "few", "fewer", "lot", "lots", "quite", "really",
    "basically", "actually", "simply", "mainly", "mostly", "often", "usually", "always", "never", "sometimes",
    "not", "no", "n't", "nothing", "none", "nobody", "cannot", "can't", "don't", "doesn't", "isn't", "aren't",
    "won't", "wouldn't", "shouldn't", "didn't", "is", "are", "was", "were", "be", "been", "being", "am", "do",
    "does", "did", "done", "doing", "have", "has", "had", "having", "can", "could", "will", "would", "shall",
    "should", "may", "might", "must", "need", "needs", "let", "lets", "ie", "eg", "etc", "vs", "versus",
    "via"
])

# Auxiliaries and modals: a sentence with one of these states something.
AUXILIARIES = frozenset([
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had", "can",
    "could", "will", "would", "shall", "should", "may", "might", "must", "isn't", "aren't", "wasn't",
    "weren't", "don't", "doesn't", "didn't", "can't", "cannot", "won't", "wouldn't", "shouldn't", "hasn't",
    "haven't"
])

# Words that relate terms to each other: prepositions and subordinators (a clause, not a list).
RELATION_WORDS = frozenset([
    "because", "since", "so", "therefore", "thus", "hence", "if", "when", "whenever", "while", "whereas",
    "unless", "until", "which", "that", "who", "where", "than", "instead", "rather", "by", "into", "onto",
    "from", "to", "through", "via", "per", "without", "with", "against", "for", "of", "in", "on", "at",
    "between", "before", "after", "once", "otherwise", "meaning", "means"
])

# Symbols that state a relation between the terms around them (`a -> b`, `x = y`, `t < 1`).
RELATION_SYMBOLS = frozenset({"leadsto", "equal", "lessthan", "greaterthan", "approx", "proportional",
                              "atmost", "atleast", "notequal", "times"})

# Words that set a claim up to knock it down: "It's a myth that ...", "contrary to what many think ...".
# Not "wrong" or "false": they describe as often ("a wrong guess", "false positives").
REBUTTALS = frozenset(("myth", "myths", "misconception", "misconceptions", "misconceived", "wrongly",
                       "mistakenly", "contrary", "fallacy"))

# Negation cues. Implicit negators ("prevents", "stops") count too: "stops the softmax saturating"
# and "without scaling the softmax saturates" then have the same parity.
NEGATIONS = frozenset([
    "not", "no", "never", "none", "nothing", "nobody", "neither", "nor", "without", "cannot"
])
# Stems; "prevents", "stopped", "avoiding" all count.
IMPLICIT_NEGATIONS = frozenset(("prevent", "stop", "avoid", "block", "forbid", "prohibit", "disallow", "skip",
                                "omit", "forgo"))

# Answers that say "I don't know" in some form. Written as `text.fold` leaves them ("don't" -> "do not").
# These say it wherever they occur in a short answer: "I don't know, maybe the softmax?".
IDK_PHRASES = (
    "i do not know", "i do not really know", "i really do not know", "i honestly do not know", "dunno", "idk",
    "have no idea", "have no clue", "no clue", "not sure", "i forget", "i forgot", "can not remember",
    "do not remember", "can not recall", "mix these up", "mix these two up", "mix them up", "never heard",
    "not familiar", "have not come across", "can not explain", "could not say", "can not say",
)
# These are a non-answer only when they are the whole answer or a whole sentence of it ("Pass.",
# "No idea, sorry"): "one forward pass", "skip connections" and "no idea of order" are answers.
IDK_WHOLE = ("pass", "skip", "no idea", "no answer", "i guess", "next", "?", "no", "none", "n/a", "na",
             "nothing", "-", "...")
# Words around a whole-answer non-answer that change nothing: "Sorry, I'll pass".
IDK_FILLERS = frozenset(("sorry", "um", "uh", "hmm", "honestly", "i", "i'll", "i'd", "will", "just", "well",
                         "ok", "okay", "so", "really", "have", "got", "to", "this", "one", "tbh"))

# Opposites: a clause that says one where the model answer says the other, about the same things,
# contradicts it. Surface words, stemmed when first used; each side may list several words.
_OPPOSITES: tuple[tuple[str, str], ...] = (
    (
        "increase grows grow rise raise boost inflate more",
        "decrease shrink fall drop lower reduce cut diminish less fewer"
    ),
    ("most", "least fewest"),
    ("many", "few"),
    ("learned learnable", "fixed handcrafted"),  # not "trainable": it stems to "train"
    ("computebound", "memorybound bandwidthbound"),
    ("quadratic quadratically", "linear linearly"),
    ("clean", "noisy dirty unclean corrupted"),
    ("absolute", "relative"),
    ("higher high raise raises raised increase increases", "lower low reduce reduces cut nearzero negligible"),
    ("larger large bigger big greater", "smaller small"),
    ("faster fast quicker quick speeds", "slower slow slows"),
    ("before earlier preceding prior", "after later following subsequent"),
    ("past previous", "future next upcoming"),
    ("encoder encoders", "decoder decoders"),
    ("encode", "decode"),
    ("above greaterthan atleast", "below lessthan atmost"),
    ("longer long", "shorter short"),
    ("wider wide", "narrower narrow"),
    ("sharper sharpen sharp peaked peaky", "flatter flatten flat smoother uniform"),
    ("random stochastic diverse creative", "deterministic greedy"),
    ("maximize maximise maximum max", "minimize minimise minimum min"),
    ("add append insert", "remove subtract delete"),
    ("same identical", "different distinct"),
    ("always", "never rarely"),
    ("parallel", "sequential serial sequentially"),
    ("first", "last"),
    ("upper", "lower"),
    ("input", "output"),
    ("training", "inference"),
    ("pretraining", "finetuning"),
    ("overfitting", "underfitting"),
    ("dense", "sparse"),
    ("local", "global"),
    ("static", "dynamic"),
    ("causal unidirectional", "bidirectional"),
    ("generative", "discriminative"),
    ("supervised", "unsupervised"),
    ("expensive", "cheap cheaper"),  # not "costly": it stems to "cost"
    ("accurate", "inaccurate"),
    ("majority", "minority"),
    ("true", "false"),
    ("correct", "incorrect wrong"),
    ("freeze frozen", "unfreeze unfrozen"),
    ("separately independently", "together jointly"),
    ("solvable solved", "unsolvable unsolved"),
    ("biencoder", "crossencoder"),
    ("enable", "disable"),
    ("improve improves helps", "hurts harms degrades worsens"),
    ("include", "exclude"),
    ("trusted", "untrusted"),
    ("explicit", "implicit"),
    ("online", "offline"),
    ("stores stored keeps", "recomputes recomputed recompute discards"),
    ("easy easier simple simpler", "hard harder difficult complex"),
    ("rare rarer uncommon unusual", "frequent common"),
    ("separate separates split", "merge merges combine mix"),
    ("handle handles", "fail fails"),
    ("pass passes succeed", "fail fails"),
    ("accept accepted", "reject rejected"),
    ("agree agrees", "disagree disagrees"),
    ("multiply multiplies", "divide divides"),
    ("visible", "hidden invisible"),
    ("exact", "approximate"),
    ("lossless", "lossy"),
    ("necessary required needed", "unnecessary optional"),
    ("abrupt abruptly sudden suddenly", "gradual gradually smoothly steadily"),
    ("freeze freezes frozen", "finetune finetunes updated trains"),
    ("old older", "new newer"),
    ("public", "private secret"),
    ("guarantee guarantees guaranteed", "helps reduces"),
)


# Pairs that place a condition on a scale; a reversed scale with a reversed consequence agrees.
_SCALES = ("above", "higher", "larger", "longer", "wider", "increase")  # first word of each scale pair


@lru_cache(maxsize=1)
def scale_pairs() -> frozenset[int]:
    """Ids of the opposite pairs that are scales (above/below, high/low, large/small, ...)."""
    return frozenset(i for i, (left, _) in enumerate(_OPPOSITES) if left.split()[0] in _SCALES)


def _stems(words: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words.split())


@lru_cache(maxsize=1)
def all_pairs() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """Every opposite pair as two sets of stems: the hand-written ones first (their ids are stable and
    `scale_pairs` refers to them), then WordNet's antonyms for stems the hand-written list lacks."""
    out = [(_stems(left), _stems(right)) for left, right in _OPPOSITES]
    taken = {w for pair in out for side in pair for w in side}
    function = {stem(w) for w in FUNCTION_WORDS}
    seen: set[tuple[str, str]] = set()
    for pair in WORDNET_SKIP_PAIRS:
        x, y = (stem(w) for w in pair.split())
        seen.update({(x, y), (y, x)})
    for a, b in wordnet_antonyms():
        sa, sb = stem(a), stem(b)
        # "costly" stems to "cost", which is not the opposite of "cheap": keep only stems that are the
        # word itself or an inflection of it.
        if _derived(a, sa) or _derived(b, sb):
            continue
        if sa == sb or {sa, sb} & taken or {sa, sb} & function or (sa, sb) in seen:
            continue
        seen.add((sa, sb))
        out.append((frozenset((sa,)), frozenset((sb,))))
    return tuple(out)


def _derived(word: str, stem_: str) -> bool:
    return word != stem_ and word.endswith("ly") and not stem_.endswith("l")


@lru_cache(maxsize=1)
def wordnet_antonyms() -> tuple[tuple[str, str], ...]:
    """Single-word antonym pairs from Princeton WordNet 3.0 (built by tools/build_antonyms.py)."""
    from importlib.resources import files

    text = files("llmquiz.grading").joinpath("data/antonyms.txt").read_text(encoding="utf-8")
    pairs = (line.split() for line in text.splitlines() if line and not line.startswith("#"))
    return tuple((p[0], p[1]) for p in pairs if len(p) == 2 and p[0] not in WORDNET_SKIP and p[1] not in WORDNET_SKIP)


# WordNet antonyms whose everyday sense in an answer is not an opposite ("first ... second" lists
# steps; a "model" is not the opposite of a "copy").
WORDNET_SKIP = frozenset(("second", "model", "copy", "general", "specific", "particular"))
# Pairs that are opposites only in a sense answers about ML rarely mean: a training "loss" is not the
# opposite of a "gain", an answer is not the opposite of a question. Found by listing the WordNet pairs
# whose both words occur in the decks' answers and samples.
WORDNET_SKIP_PAIRS = (
    "answer question", "give take", "end middle", "beginning middle", "side top", "bar cover", "active stative",
    "attend miss", "bound free", "fraction whole", "find lose", "found lost", "out safe", "idle work", "idle run",
    "alternate direct", "absolute relative", "overhead surface", "pattern plain", "live recorded", "figure ground",
    "object subject", "issue recall", "advance back", "sink source", "round square", "full thin", "float sink",
    "fresh preserved", "collect distribute", "lie sit", "king queen", "man woman",
    "ignore know", "hide show", "break make", "feed starve", "blur focus", "hit miss", "half whole",
    "change stay", "move stay", "double single", "gain loss", "penalty reward", "permission prevention",
)


@lru_cache(maxsize=1)
def opposites() -> dict[str, frozenset[str]]:
    """Map each stem to the stems that say the opposite.

    Example:
        >>> sorted(opposites()["increas"])[:3]
        ['cut', 'decreas', 'diminish']
    """
    table: dict[str, set[str]] = {}
    for lw, rw in all_pairs():
        for a in lw:
            table.setdefault(a, set()).update(rw)
        for b in rw:
            table.setdefault(b, set()).update(lw)
    return {k: frozenset(v - {k}) for k, v in table.items()}


@lru_cache(maxsize=1)
def sides() -> dict[str, tuple[tuple[int, int], ...]]:
    """Map each opposite stem to its (pair id, side) memberships: "faster" -> ((5, 0),)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for i, pair in enumerate(all_pairs()):
        for side, words in enumerate(pair):
            for w in words:
                out.setdefault(w, []).append((i, side))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def pair_ids() -> dict[str, int]:
    """Map each opposite stem to its pair's id, so "faster" and "slower" count as the same topic."""
    out: dict[str, int] = {}
    for i, (left, right) in enumerate(all_pairs()):
        for w in (*left, *right):
            out.setdefault(w, i)
    return out


# Common verbs (base forms), so a sentence with one reads as a statement rather than a list of terms.
_VERBS = """
accept access account achieve act adapt add adjust affect aggregate align allow appear append apply
approximate argue arrive ask assign assume attend attach avoid balance become begin believe belong blend
block blow boost break bring build calculate call cancel capture carry cache cause change charge check
choose chop clip collapse collect combine come compare compensate compile complete compose compress
compute concatenate condition connect consider consist constrain contain continue contribute control
convert copy correct cost count cover create crash cut deal decide decline decode decrease define delete
deliver depend derive describe design detect determine develop differ dilute discard distil distill
distribute divide do double drift drive drop duplicate edit embed emit enable encode encourage end enforce
ensure enter estimate evaluate exceed expand expect explain explode exploit expose express extend extract
fall feed fetch fill filter find fit fix flatten flow focus follow force forget form freeze gain generate
get give go grade ground grow guarantee guess hallucinate handle happen help hide hold hurt identify
ignore implement imply improve include increase indicate infer inject insert interpret introduce invent
involve isolate keep kill know label lack lead learn leave let lie limit link load look lose lower make
manage map mask match matter mean measure memorise memorize merge minimise minimize mislead miss mix
monitor move multiply need normalise normalize note obtain occur offer omit open optimise optimize order
overfit overwrite pad parse pass pay perform pick place plan predict prefer prepend preserve prevent
produce project promote propose protect prove provide prune pull push put quantize quantise query raise
rank reach read reason recall receive recompute record reduce refer reflect refuse regularize reject
relate release rely remain remember remove repeat replace represent require rerank rescale reset resolve
respond restrict result retain retrieve return reuse reveal rewrite rise rotate run sample saturate save
scale score search see seem select send separate serve set shape share sharpen shift shrink show shuffle
simulate sit skip slow smooth solve sort speed spend split spread stabilise stabilize stack stand start
stay stop store stream stretch subtract suffer suggest sum summarise summarize supervise supply support
surface swap switch take tell tend test think tie tokenize trade train transfer transform translate
treat try trigger trim truncate tune turn understand unfreeze update use vanish vary verify vote waste
weigh widen win work worsen write yield
"""


def verb_base_forms() -> tuple[str, ...]:
    """Base forms of common verbs ("compute", "reduce")."""
    return tuple(_VERBS.split())


# Short verb forms too irregular for the stemmer.
IRREGULAR_VERBS = frozenset([
    "is", "are", "was", "were", "be", "been", "am", "has", "have", "had", "does", "did", "done", "goes",
    "went", "gone", "got", "gets", "made", "makes", "gave", "given", "took", "taken", "saw", "seen", "knew",
    "known", "kept", "held", "led", "left", "lost", "paid", "put", "ran", "run", "said", "sent", "set",
    "shown", "sat", "spent", "stood", "told", "thought", "won", "wrote", "written", "became", "begun",
    "broke", "brought", "built", "came", "chose", "cut", "dealt", "drew", "fell", "felt", "found", "fed",
    "forgot", "froze", "grew", "hid", "hit", "hurt", "let", "lay", "meant", "met", "read", "rose", "shook",
    "shrank", "split", "spread", "stuck", "swung", "tore", "threw", "understood", "woke", "wore"
])
