"""`chuangkou post list|assign`: the supervisor puts clerks on posts and vacates them; the
list shows masked names (numbers only without a login) and each window's flags; bad input
is one Chinese line, a non-zero exit and no change to the register."""

from __future__ import annotations

from tests.tui.test_cli import (  # noqa: F401 — fixtures
    SUPERVISOR_PW,
    _data_snapshot,
    _one_chinese_line,
    cli,
    db,
)

CLERK_PW = "clerk-pass-1"


def _rows(out: str) -> dict[tuple[str, str], str]:
    """`post list` lines by (window code, post), as printed."""
    rows = {}
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 3 and parts[2] in ("A岗", "B岗"):
            rows[(parts[0], parts[2][0])] = line
    return rows


def test_post_assign_and_list(cli, db):  # noqa: F811
    assert cli("--db", db, "catalog", "import", "--as", "0001", stdin=SUPERVISOR_PW + "\n")[0] == 0
    for number, name in (("1001", "王小英"), ("1002", "李大海")):
        code, _, err = cli(
            "--db",
            db,
            "staff",
            "add",
            number,
            "--name",
            name,
            "--role",
            "clerk",
            "--as",
            "0001",
            stdin=f"{SUPERVISOR_PW}\n{CLERK_PW}\n",
        )
        assert code == 0, err

    # One clerk is A at one window and B at another.
    for window, post, number in (("minzheng", "A", "1001"), ("canlian", "b", "1001")):
        code, out, err = cli(
            "--db", db, "post", "assign", window, post, number, "--as", "0001",
            stdin=SUPERVISOR_PW + "\n",
        )  # fmt: skip
        assert code == 0, err
        assert out.strip() == f"已安排：{window} {post.upper()}岗 → {number}"

    code, out, err = cli("--db", db, "post", "list", "--as", "0001", stdin=SUPERVISOR_PW + "\n")
    assert code == 0, err
    rows = _rows(out)
    assert "1001" in rows[("minzheng", "A")] and "王*英" in rows[("minzheng", "A")]
    assert "无B岗" in rows[("minzheng", "A")]  # the window's flags on its first row
    assert "（空缺）" in rows[("minzheng", "B")]
    assert "1001" in rows[("canlian", "B")] and "无A岗" in rows[("canlian", "A")]
    assert "王小英" not in out
    # Without a login (a technician over SSH): numbers, no names.
    code, out, err = cli("--db", db, "post", "list")
    assert code == 0, err
    assert "1001" in _rows(out)[("minzheng", "A")] and "王" not in out

    # Refusals: one Chinese line, nothing changed.
    before = _data_snapshot(db)
    for args, stdin, says in (
        (("minzheng", "B", "1002", "--as", "1001"), CLERK_PW, "无权"),
        (("minzheng", "C", "1002", "--as", "0001"), SUPERVISOR_PW, "岗位只能是 A 或 B"),
        (("nosuch", "A", "1002", "--as", "0001"), SUPERVISOR_PW, "未知的窗口"),
        (("minzheng", "B", "7777", "--as", "0001"), SUPERVISOR_PW, "没有工号为 7777"),
        (("minzheng", "B", "--as", "0001"), SUPERVISOR_PW, "--vacate"),
        (("minzheng", "B", "1002", "--vacate", "--as", "0001"), SUPERVISOR_PW, "不写工号"),
        (("minzheng", "B", "1002"), "", "--as"),
    ):
        code, _, err = cli("--db", db, "post", "assign", *args, stdin=stdin + "\n")
        _one_chinese_line(code, err)
        assert says in err, (args, err)
    assert _data_snapshot(db) == before

    # --vacate empties the post; the window is flagged again.
    code, out, err = cli(
        "--db", db, "post", "assign", "minzheng", "A", "--vacate", "--as", "0001",
        stdin=SUPERVISOR_PW + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == "已空出：minzheng A岗"
    code, out, _ = cli("--db", db, "post", "list")
    rows = _rows(out)
    assert "（空缺）" in rows[("minzheng", "A")] and "无A岗、无B岗" in rows[("minzheng", "A")]
    assert "1001" in rows[("canlian", "B")]
