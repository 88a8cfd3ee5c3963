"""The headings offices give the columns of a task table (任务分解表), field by field.

documents.tables finds the header with this schema; the column-mapping step of the
preview lists its fields with their labels. Add a heading here when an office writes
one the import does not know (the user can also map it once; it is then remembered).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from .tables import Field, Schema

LEVEL_SYNONYMS = (
    "任务",
    "重点任务",
    "任务内容",
    "工作任务",
    "具体任务",
    "工作内容",
    "具体措施",
    "措施条目",
    "主要任务",
    "任务名称",
    "重点工作",
    "事项",
    "事项名称",
    "督办事项",
    "事项/重点任务",
    "主要内容",
    "工作措施",
    "主要措施",
    "具体内容",
    "任务分解",
    "目标任务",
    "一级任务",
    "二级任务",
    "三级任务",
    "一级指标",
    "二级指标",
    "工作事项",
    "任务事项",
    "实事项目",
    "项目名称",
    "民生实事",
)
TASK_SCHEMA = Schema(
    fields=(
        Field("number", gettext_lazy("Number (序号)"), ("序号", "编号", "序", "排序")),
        Field("serial", gettext_lazy("Supervision number"), ("督办编号", "督办号", "事项编号")),
        Field("parent", gettext_lazy("Heading (措施条目)")),
        Field("task", gettext_lazy("Task (重点任务)")),
        Field("measure", gettext_lazy("Measure (具体措施)")),
        Field(
            "lead",
            gettext_lazy("Lead unit"),
            (
                "牵头单位",
                "责任单位",
                "牵头部门",
                "主责单位",
                "责任部门",
                "牵头责任单位",
                "责任主体",
                "承办单位",
                "牵头单位及责任人",
            ),
        ),
        Field(
            "co",
            gettext_lazy("Co-units"),
            ("配合单位", "协办单位", "配合部门", "协同单位", "参与单位", "协助单位", "协办部门"),
        ),
        Field(
            "leader",
            gettext_lazy("Responsible leader"),
            (
                "责任领导",
                "分管领导",
                "市领导",
                "省领导",
                "市级领导",
                "牵头领导",
                "包联领导",
                "责任市领导",
                "牵头市领导",
                "分管市领导",
                "联系领导",
            ),
        ),
        Field(
            "deadline",
            gettext_lazy("Time limit"),
            (
                "完成时限",
                "时间节点",
                "完成时间",
                "时限要求",
                "进度安排",
                "完成期限",
                "时限",
                "截止时间",
                "时间要求",
                "完成时限要求",
                "进度要求",
                "时间安排",
            ),
        ),
        Field(
            "target",
            gettext_lazy("Work target"),
            ("目标", "工作目标", "预期成果", "预期目标", "目标要求", "量化指标", "成果形式"),
        ),
        Field("weight", gettext_lazy("Weight"), ("权重", "权数", "分值", "权重分值")),
    ),
    levels=("parent", "task", "measure"),
    level_fill=("task", "measure", "parent"),
    level_synonyms=LEVEL_SYNONYMS,
    required=(frozenset({"parent", "task", "measure"}), frozenset({"lead"})),
    work=("lead", "co", "deadline", "leader"),
)
