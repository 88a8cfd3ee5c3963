"""Dispatch learned from past dispatches: import, train, evaluate, suggest, correct, store."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from luoshi.citizens import corpus, services
from luoshi.citizens.dispatch import store
from luoshi.citizens.dispatch.suggest import suggest
from luoshi.citizens.models import Category, DispatchModel, PastDispatch
from luoshi.matters import services as matter_services
from luoshi.org.models import Membership, Role, Unit, UnitKind

from .conftest import at, call

pytestmark = pytest.mark.django_db
HISTORY = 1500


def corpus_units(city) -> dict[str, Unit]:
    """The departments, districts and streets the corpus names, under the test city."""
    units = {u.name: u for u in Unit.objects.all()}
    for name in corpus.DEPARTMENTS:
        if name not in units:
            units[name] = Unit.objects.create(name=name, kind=UnitKind.DEPARTMENT, parent=city.city)
    for street, (district, _places) in corpus.PLACES.items():
        if district not in units:
            units[district] = Unit.objects.create(
                name=district, kind=UnitKind.DISTRICT, parent=city.city
            )
        if street not in units:
            units[street] = Unit.objects.create(
                name=street, kind=UnitKind.STREET, parent=units[district]
            )
    for i, name in enumerate(corpus.CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"code": f"c{i}", "order": i})
    return units


def write_csv(
    path, examples, encoding="utf-8-sig", columns=("受理时间", "诉求内容", "诉求类别", "承办单位")
):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i, e in enumerate(examples):
            writer.writerow(
                [
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} 10:{i % 60:02d}:00",
                    e.text,
                    e.category,
                    e.unit,
                ]
            )
    return path


@pytest.fixture
def history(hotline, tmp_path):
    hotline.units = corpus_units(hotline)
    path = write_csv(tmp_path / "历史工单.csv", corpus.generate(HISTORY, seed=11))
    call_command(
        "dispatch", "import-history", "--file", str(path), "--text-column", "诉求内容",
        "--unit-column", "承办单位", "--category-column", "诉求类别", "--date-column", "受理时间",
    )  # fmt: skip
    return hotline


def test_import_train_and_suggest_the_top_three(history, capsys):
    assert PastDispatch.objects.count() == HISTORY
    call_command("dispatch", "train")
    assert "Trained on 1500 requests" in capsys.readouterr().out
    found = suggest("解放路工地晚上十一点还在打桩，吵得孩子睡不着，麻烦管一管")
    assert found.source == "model" and len(found.categories) == 3 and len(found.units) == 3
    assert {c.name for c in found.categories[:2]} & {"城乡建设", "环境保护"}
    assert found.units[0].name in ("市住建局", "市生态环境局")
    assert 0 < found.units[2].score <= found.units[1].score <= found.units[0].score <= 1
    wages = suggest("我在工地干了五个月老板不给工资，二十多个工友都没拿到钱")
    assert wages.categories[0].name == "劳动和社会保障" and wages.units[0].name == "市人社局"
    assert wages.units[0].score > 0.5  # a clear case is suggested with confidence


def figures(output: str) -> dict[str, float]:
    found = {}
    for name in ("accuracy", "macro-F1", "top-3 accuracy"):
        found[name] = [float(v) for v in re.findall(rf"^{name}\s+([0-9.]+)$", output, re.M)]
    found["ms"] = [float(v) for v in re.findall(r"^per suggestion\s+([0-9.]+) ms$", output, re.M)]
    return found


def test_evaluate_reports_sensible_figures_on_the_platform_history(history, capsys):
    call_command("dispatch", "evaluate", "--folds", "3")
    out = capsys.readouterr().out
    result = figures(out)
    category_acc, unit_acc = result["accuracy"]
    assert 0.7 < category_acc < 1.0 and 0.6 < unit_acc < 1.0  # label noise keeps it below 1
    for accuracy, top3, f1 in zip(
        result["accuracy"], result["top-3 accuracy"], result["macro-F1"], strict=True
    ):
        assert accuracy <= top3 <= 1.0 and 0.4 < f1 <= 1.0
    assert all(0 < ms < 50 for ms in result["ms"])
    assert "劳动和社会保障" in out and "市人社局" in out  # F1 per class


def test_evaluate_an_offices_own_excel_with_any_column_names(hotline, tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "来电内容", "最终承办单位", "备注"])
    for i, e in enumerate(corpus.generate(600, seed=5)):
        sheet.append([i + 1, e.text, e.unit, "无"])
    sheet.append([601, "", "市人社局", ""])  # a row without text is skipped
    path = tmp_path / "past.xlsx"
    book.save(path)
    call_command("dispatch", "evaluate", "--file", str(path), "--text-column", "来电内容",
                 "--label-column", "最终承办单位", "--folds", "3")  # fmt: skip
    out = capsys.readouterr().out
    assert "600 rows with text and label (1 skipped)" in out
    assert 0.5 < figures(out)["accuracy"][0] < 1.0
    with pytest.raises(CommandError, match="来电内容"):
        call_command("dispatch", "evaluate", "--file", str(path), "--text-column", "内容",
                     "--label-column", "最终承办单位")  # fmt: skip
    assert not PastDispatch.objects.exists()  # evaluating loads nothing


def test_import_refuses_a_file_with_wrong_rows_and_names_them(hotline, tmp_path, capsys):
    corpus_units(hotline)
    examples = corpus.generate(30, seed=3)
    examples[4].unit = "市不存在局"
    path = write_csv(tmp_path / "gbk.csv", examples, encoding="gb18030")
    args = [
        "dispatch",
        "import-history",
        "--file",
        str(path),
        "--text-column",
        "诉求内容",
        "--unit-column",
        "承办单位",
    ]
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(*args)
    assert "Row 6:" in capsys.readouterr().err and not PastDispatch.objects.exists()
    call_command(*args, "--skip-invalid")
    assert PastDispatch.objects.count() == 29


def test_a_corrected_dispatch_changes_the_next_training(history):
    """退单: requests about trapped lifts go first to the street; the street returns them
    (电梯是特种设备), the supervisor reassigns them to 市市场监管局, which accepts. The next
    training learns the final unit, not the first dispatch."""
    units, supervisor = history.units, history.supervisor
    street, market = units["东城区东关街道"], units["市市场监管局"]
    handler = _handler(street, "street2_handler")
    market_handler = _handler(market, "market_handler")
    call_command("dispatch", "train")
    text = "东关新村{n}号楼电梯困人，被困半个多小时，电梯年检早就过期了，特种设备没人管"
    probe = "东关大街那边电梯困人，年检过期的特种设备谁来管"
    before = {u.name: u.score for u in suggest(probe).units}
    for n in range(12):
        with at(dt.date(2026, 3, 2), 9, n):
            request = services.receive_request(
                call(history, text=text.format(n=n), street=None, district=None)
            )
            request = services.dispatch_request(
                request, actor=supervisor, version=request.version,
                category=Category.objects.get(name="城乡建设"), lead_unit=street,
            )  # fmt: skip
            matter = request.matter
            dispute = matter_services.raise_dispute(
                matter, actor=handler, version=matter.version,
                reason_code="overlapping_duties", reason="电梯属特种设备，由市场监管部门监管",
            )  # fmt: skip
            matter.refresh_from_db()
            matter = matter_services.rule_dispute(
                matter, dispute.pk, actor=supervisor, version=matter.version,
                ruling="reassign", new_unit=market,
            ).matter  # fmt: skip
            matter.refresh_from_db()
            matter_services.accept_matter(matter, actor=market_handler, version=matter.version)
            request.refresh_from_db()
            services.correct_category(
                request, actor=supervisor, version=request.version,
                category=Category.objects.get(name="商贸旅游"),
            )  # fmt: skip
    call_command("dispatch", "train")
    after = suggest(probe)
    assert DispatchModel.objects.count() == 2
    assert after.units[0].name == "市市场监管局"
    assert after.units[0].score > before.get("市市场监管局", 0) + 0.3


def _handler(unit: Unit, username: str):
    from django.contrib.auth.models import User

    user = User.objects.create_user(username, password="pw")
    Membership.objects.create(user=user, unit=unit, role=Role.HANDLER)
    return user


def test_a_model_file_changed_on_disk_is_refused(history, caplog):
    call_command("dispatch", "train")
    row = DispatchModel.objects.get()
    path = store.directory() / row.file
    path.write_bytes(path.read_bytes() + b"tampered")
    store.forget()
    found = suggest("社保卡丢了怎么补办")
    assert found.source == "table"
    assert "does not match its recorded digest" in caplog.text


def test_without_a_model_keywords_and_the_table_suggest(hotline):
    found = suggest("小区路灯坏了，物业不管")
    assert found.source == "table"
    assert found.categories[0].name == "城乡建设" and found.units[0].name == hotline.street.name
    assert suggest("   ").categories == []


def test_training_needs_enough_history(hotline):
    with pytest.raises(CommandError, match="at least"):
        call_command("dispatch", "train")


def test_jieba_words_join_the_character_ngrams(hotline, capsys):
    pytest.importorskip("jieba")
    from luoshi.citizens.dispatch import model

    examples = corpus.generate(400, seed=9)
    bundle = model.fit(
        [e.text for e in examples], {"category": [e.category for e in examples]}, words=True
    )
    names = [name for name, _ in bundle.vectorizer.transformer_list]
    assert names == ["chars", "words"]
    top = bundle.top("我在工地干了三个月老板不给工资")["category"]
    assert top[0][0] == "劳动和社会保障" and len(top) == 3
