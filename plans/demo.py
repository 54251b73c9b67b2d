"""Demo data for plans: a realistic policy library, resources, projects and teams for 长宁区.

Idempotent: policies by code, resources and projects by name, team members by township + name;
nothing existing is rewritten. Listed in settings.RELIEF_DEMO_LOADERS.
"""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from households.models import DibaoStandard, StandardArea
from relief.models import Jurisdiction, User

from .models import (
    Comparison, ConditionKind as K, Policy, PolicyCondition, Project, ProjectKind, Resource, ResourceKind,
    ServiceKind, TeamMember, TeamRole,
)
from .services import needs_from_visit, visits_with_uncopied_needs

DISTRICT_CODE = "310105000000"
POOR = ["dibao", "tekun", "low_income"]


def _c(kind, group=1, **kw):
    return {"kind": kind, "group": group, **kw}


def policy_set(low_income_factor: Decimal) -> list[dict]:
    """The demo policy library: wording after Shanghai/Chongqing practice, conditions as data."""
    f = low_income_factor
    return [
        {"code": "dibao", "name": "最低生活保障（低保）", "assistance_type": "dibao",
         "summary": "家庭月人均收入不高于当地低保标准、财产符合规定的，可申请低保。",
         "eligibility": "共同生活的家庭成员月人均收入不高于当地低保标准，且家庭财产状况符合规定。"
                        "成年无业重度残疾人、重病患者可按规定单独申请（单人户）。",
         "benefits": "按家庭月人均收入与低保标准的差额按月发放低保金；同时可享受医疗、教育、住房等专项救助。",
         "how_to_apply": "向户籍所在地或经常居住地的街道（乡镇）社区事务受理服务中心申请，也可请社区救助顾问、协理员代为申请。",
         "documents": "身份证、户口簿；家庭成员收入证明；财产情况说明；残疾证或病历（如有）；授权核对经济状况的承诺书。",
         "department": "街道（乡镇）民政办", "basis": "《社会救助暂行办法》；沪民救发〔2022〕2号",
         "conditions": [_c(K.INCOME, comparison=Comparison.LTE, factor=Decimal("1")),
                        _c(K.CATEGORY_NOT_HELD, values=["tekun"])]},
        {"code": "tekun", "name": "特困人员救助供养", "assistance_type": "tekun",
         "summary": "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人。",
         "eligibility": "60 周岁以上老年人、重度残疾人或未满 16 周岁的未成年人，无劳动能力、无生活来源，"
                        "且无法定赡养、抚养、扶养义务人或其义务人无履行能力。",
         "benefits": "基本生活费和照料护理费；可选择集中供养（养老机构）或分散供养；疾病治疗、丧葬事宜办理。",
         "how_to_apply": "本人或委托村（居）委会向街道（乡镇）提出申请；行动不便的可由协理员上门协助申请。",
         "documents": "身份证、户口簿；残疾证（如有）；生活自理能力评估材料。",
         "department": "街道（乡镇）民政办", "basis": "《国务院关于进一步健全特困人员救助供养制度的意见》",
         "conditions": [_c(K.MEMBER_AGE, 1, min_value=60), _c(K.MEMBER_COUNT, 1, max_value=1),
                        _c(K.INCOME, 1, comparison=Comparison.LTE, factor=Decimal("1")),
                        _c(K.DISABILITY, 2, values=["1", "2"]), _c(K.MEMBER_COUNT, 2, max_value=1),
                        _c(K.INCOME, 2, comparison=Comparison.LTE, factor=Decimal("1"))]},
        {"code": "low-income", "name": "低收入家庭认定", "assistance_type": "low_income",
         "summary": "月人均收入高于低保标准、但低于低保标准 1.5 倍的家庭，可认定为低收入家庭。",
         "eligibility": "家庭月人均收入高于当地低保标准、低于低保标准的 1.5 倍，家庭财产符合规定，未享受低保、特困供养。",
         "benefits": "纳入低收入人口动态监测；可按规定享受医疗、教育、住房、就业等专项救助和临时救助。",
         "how_to_apply": "向街道（乡镇）社区事务受理服务中心申请，协理员可协助准备材料。",
         "documents": "身份证、户口簿；家庭成员收入证明；财产情况说明。",
         "department": "街道（乡镇）民政办", "basis": "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》",
         "conditions": [_c(K.INCOME, comparison=Comparison.GT, factor=Decimal("1")),
                        _c(K.INCOME, comparison=Comparison.LT, factor=f),
                        _c(K.CATEGORY_NOT_HELD, values=["dibao", "tekun", "low_income"])]},
        {"code": "temporary", "name": "临时救助（支出型困难）", "assistance_type": "temporary",
         "summary": "因疾病、事故、灾害等刚性支出过大，基本生活暂时出现严重困难的家庭。",
         "eligibility": "因医疗、教育等刚性支出较大，或遭遇突发事件，导致基本生活暂时出现严重困难；急难情形可先行救助。",
         "benefits": "一次性发放临时救助金或实物；急难情形“先行救助”，必要时“一事一议”提高救助额度。",
         "how_to_apply": "向街道（乡镇）申请；情况紧急的，可由协理员、社区当场报告，先行救助后补办手续。",
         "documents": "身份证、户口簿；医疗费用票据或事故、灾害证明；收入情况说明。",
         "department": "街道（乡镇）民政办", "basis": "《社会救助暂行办法》第四十七条",
         "conditions": [_c(K.RIGID_EXPENSE, 1, amount=Decimal("20000")),
                        _c(K.INCOME, 1, comparison=Comparison.LTE, factor=Decimal("2")),
                        _c(K.HOUSING, 2, values=["none"])]},
        {"code": "medical", "name": "医疗救助", "assistance_type": "medical",
         "summary": "低保、特困、低收入家庭成员患大重病或慢性病的，自付医疗费用可按比例救助。",
         "eligibility": "低保对象、特困人员、低收入家庭成员，患大重病或需长期治疗的慢性病。",
         "benefits": "资助参加城乡居民医保；门诊、住院自付费用按比例救助；大病再救助。",
         "how_to_apply": "定点医院“一站式”结算；未能结算的，持票据向街道（乡镇）医保或民政窗口申请。",
         "documents": "身份证、医保卡；诊断证明、医疗费用票据和结算单。",
         "department": "区医保局、街道（乡镇）民政办",
         "conditions": [_c(K.CATEGORY_HELD, 1, values=POOR), _c(K.SERIOUS_ILLNESS, 1),
                        _c(K.CATEGORY_HELD, 2, values=POOR), _c(K.CHRONIC_ILLNESS, 2)]},
        {"code": "education", "name": "教育救助", "assistance_type": "education",
         "summary": "低保、特困、低收入家庭有在校学生的，按学段给予助学金、减免学费。",
         "eligibility": "低保、特困、低收入家庭中在义务教育、高中、中职或大学就读的学生。",
         "benefits": "义务教育阶段生活补助；高中、中职助学金和免学费；大学新生入学资助和助学贷款。",
         "how_to_apply": "向学校或街道（乡镇）教育救助窗口申请；协理员可协助开具家庭困难证明。",
         "documents": "身份证、户口簿；学生证或录取通知书；低保、特困或低收入证明。",
         "department": "区教育局、街道（乡镇）民政办",
         "conditions": [_c(K.CATEGORY_HELD, values=POOR),
                        _c(K.SCHOOL_STAGE, values=["primary", "junior", "senior", "vocational", "college",
                                                   "university"])]},
        {"code": "disability-subsidy", "name": "残疾人两项补贴", "assistance_type": "disability_subsidy",
         "summary": "困难残疾人生活补贴和重度残疾人护理补贴。",
         "eligibility": "持第二代残疾人证的一、二级重度残疾人，可申请护理补贴；低保、低收入家庭中的残疾人，可申请生活补贴。",
         "benefits": "按月发放护理补贴和/或生活补贴。",
         "how_to_apply": "本人或监护人向街道（乡镇）残联或民政窗口申请，可网上申办。",
         "documents": "身份证、残疾人证；低保或低收入证明（申请生活补贴时）。",
         "department": "区残联、街道（乡镇）民政办",
         "conditions": [_c(K.DISABILITY, 1, values=["1", "2"]),
                        _c(K.CATEGORY_HELD, 2, values=["dibao", "low_income"]),
                        _c(K.DISABILITY, 2, values=["1", "2", "3", "4"])]},
        {"code": "housing", "name": "住房救助", "assistance_type": "housing",
         "summary": "低保、特困、低收入家庭住房困难的，可申请公租房、租赁补贴或危房改造。",
         "eligibility": "低保、特困、低收入家庭，无房、租房或居住危房。",
         "benefits": "配租公共租赁住房、发放租赁补贴，农村危房改造补助。",
         "how_to_apply": "向街道（乡镇）住房保障窗口申请。",
         "documents": "身份证、户口簿；住房情况证明或租房合同。",
         "department": "区住房保障中心、街道（乡镇）",
         "conditions": [_c(K.CATEGORY_HELD, values=POOR),
                        _c(K.HOUSING, values=["rented", "dilapidated", "none"])]},
        {"code": "employment", "name": "就业救助", "assistance_type": "employment",
         "summary": "低保、低收入家庭中有劳动能力的失业人员，提供就业援助。",
         "eligibility": "低保、低收入家庭中 16 至 59 周岁、有劳动能力的失业人员。",
         "benefits": "职业介绍、技能培训补贴、公益性岗位安置；低保家庭就业后收入按规定渐退。",
         "how_to_apply": "到街道（乡镇）社保所就业援助窗口登记。",
         "documents": "身份证、失业登记证明。",
         "department": "街道（乡镇）社保所",
         "conditions": [_c(K.CATEGORY_HELD, values=["dibao", "low_income"]),
                        _c(K.EMPLOYMENT, values=["unemployed"]), _c(K.MEMBER_AGE, min_value=16, max_value=59)]},
    ]


RESOURCES = [
    # (township code, name, kind, service kind, offer, capacity, contact, phone, village codes)
    ("310105001000", "长宁区慈善基金会华阳路街道分会", ResourceKind.CHARITY, ServiceKind.FINANCIAL,
     "大重病、突发困难家庭一次性帮困金", 30, "沈建华", "021-62510001", ["310105001001", "310105001002",
                                                                   "310105001003", "310105001004"]),
    ("310105001000", "华阳暖心助老服务社", ResourceKind.SOCIAL_ORG, ServiceKind.CARE,
     "独居、失能老人上门照料、助餐、陪同就医", 40, "顾敏", "13916000001", ["310105001001", "310105001002"]),
    ("310105001000", "心晴社工师事务所", ResourceKind.SOCIAL_ORG, ServiceKind.PSYCHOLOGICAL,
     "困难家庭心理疏导、个案管理（转介承接）", 20, "陆婷", "13916000002", ["310105001001", "310105001003",
                                                              "310105001004"]),
    ("310105002000", "江苏路爱心超市", ResourceKind.COMPANY, ServiceKind.MATERIAL,
     "米面油等生活物资按月领取", 60, "钱伟", "021-62520002", ["310105002002", "310105002003", "310105002006"]),
    ("310105002000", "江苏路青年志愿服务队", ResourceKind.VOLUNTEER, ServiceKind.SCHOOLING,
     "困难家庭学生课业辅导、陪伴", 25, "周晓", "13916000003", ["310105002002", "310105002007"]),
    ("310105102000", "新泾镇就业援助联盟（爱心企业）", ResourceKind.COMPANY, ServiceKind.EMPLOYMENT,
     "保洁、物业、餐饮岗位推荐", 15, "韩磊", "13916000004", ["310105102001", "310105102002", "310105102003",
                                                       "310105102004"]),
]

PROJECTS = [
    # (township code, name, kind, description, target, provider name, place, start, days, capacity, villages)
    ("310105001000", "独居老人“一键通”关爱项目", ProjectKind.CARE, "每周电话问候、每月上门探访，紧急呼叫响应",
     "独居、高龄、失能老人", "华阳暖心助老服务社", "华阳路街道社区事务受理服务中心", 0, 365, 50,
     ["310105001001", "310105001002", "310105001003"]),
    ("310105001000", "困难家庭心理支持小组", ProjectKind.PSYCHOLOGICAL, "每月两次团体辅导和个别心理咨询",
     "遭遇变故、长期患病的困难家庭成员", "心晴社工师事务所", "华一居委会活动室", 0, 180, 20,
     ["310105001001", "310105001004"]),
    ("310105002000", "“助学圆梦”课业辅导", ProjectKind.SCHOOLING, "周末课业辅导、升学指导",
     "低保、低收入家庭在校学生", "江苏路青年志愿服务队", "江苏路街道青少年活动中心", 0, 270, 30,
     ["310105002002", "310105002007"]),
    ("310105102000", "就业启航培训班", ProjectKind.EMPLOYMENT, "家政、保育员技能培训，结业推荐上岗",
     "低保、低收入家庭中有劳动能力的失业人员", "新泾镇就业援助联盟（爱心企业）", "新泾镇社区学校", 14, 60, 25,
     ["310105102001", "310105102002", "310105102003", "310105102004"]),
]

# (township code, role, name, sex, position, phone, username, village codes)
TEAM = [
    ("310105001000", TeamRole.COLLECTION_LEADER, "李秀英", "F", "街道民政办科员", "021-62510100", "township1", []),
    ("310105001000", TeamRole.COLLECTION_MEMBER, "王海燕", "F", "社区救助顾问", "13917000001", None,
     ["310105001001", "310105001002"]),
    ("310105001000", TeamRole.ASSISTANT, "张丽", "F", "民政专干", "13917000002", "caseworker1", ["310105001001"]),
    ("310105001000", TeamRole.ASSISTANT, "陈卫东", "M", "公益性岗位", "13917000003", None, ["310105001001"]),
    ("310105001000", TeamRole.GRID_WORKER, "徐刚", "M", "网格员", "13917000004", None,
     ["310105001001", "310105001002"]),
    ("310105001000", TeamRole.VOLUNTEER, "蒋丽华", "F", "楼组长志愿者", "13917000005", None, ["310105001002"]),
    ("310105002000", TeamRole.COLLECTION_LEADER, "王志强", "M", "街道民政办科员", "021-62520100", "township2", []),
    ("310105002000", TeamRole.COLLECTION_MEMBER, "孙红", "F", "社区救助顾问", "13917000006", None,
     ["310105002002", "310105002003"]),
    ("310105002000", TeamRole.GRID_WORKER, "朱海", "M", "网格员", "13917000007", None, ["310105002006"]),
    ("310105102000", TeamRole.COLLECTION_LEADER, "陈红梅", "F", "镇民政办科员", "021-62530100", "township3", []),
    ("310105102000", TeamRole.VOLUNTEER, "程亮", "M", "志愿者", "13917000008", None, ["310105102001"]),
]


@transaction.atomic
def load(stdout=None) -> None:
    district = Jurisdiction.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        return
    by_code = {j.code: j for j in Jurisdiction.objects.filter(code__startswith="310105")}
    users = {u.username: u for u in User.objects.filter(username__in={t[6] for t in TEAM if t[6]})}
    today = timezone.localdate()
    # The policies compare income with the local standard; the demo district needs one (上海 2021-07-01:
    # 1,330 元/人·月, ../shared/reference/dibao_standards.md). Kept if the households demo already made it.
    if not DibaoStandard.objects.filter(district=district).exists():
        DibaoStandard.objects.create(district=district, area=StandardArea.UNIFIED, monthly_amount=Decimal("1330"),
                                     effective_from=dt.date(2021, 7, 1), source="上海市民政局 2021 年低保标准调整")
    factor = Decimal(str(getattr(settings, "RELIEF_LOW_INCOME_FACTOR", "1.5")))
    created = 0
    for spec in policy_set(factor):
        spec = dict(spec)
        conditions = spec.pop("conditions")
        policy, was_created = Policy.objects.get_or_create(code=spec["code"], defaults={**spec, "owner": district})
        if was_created:
            policy.areas.set([district])
            PolicyCondition.objects.bulk_create([PolicyCondition(policy=policy, **c) for c in conditions])
            created += 1
    resources = {}
    for code, name, kind, service, offer, capacity, person, phone, villages in RESOURCES:
        resource, was_created = Resource.objects.get_or_create(
            name=name, defaults={"owner": by_code[code], "kind": kind, "service_kind": service, "offer": offer,
                                 "capacity": capacity, "contact_person": person, "contact_phone": phone})
        if was_created:
            resource.villages.set([by_code[v] for v in villages])
        resources[name] = resource
    for code, name, kind, desc, target, provider, place, start, days, capacity, villages in PROJECTS:
        provider_obj = resources[provider]
        project, was_created = Project.objects.get_or_create(
            name=name, defaults={"owner": by_code[code], "kind": kind, "description": desc, "target": target,
                                 "provider": provider_obj, "place": place,
                                 "start_date": today + dt.timedelta(days=start - 30 if start == 0 else start),
                                 "end_date": today + dt.timedelta(days=days), "capacity": capacity,
                                 "contact_person": provider_obj.contact_person,
                                 "contact_phone": provider_obj.contact_phone})
        if was_created:
            project.villages.set([by_code[v] for v in villages])
    for code, role, name, sex, position, phone, username, villages in TEAM:
        member, was_created = TeamMember.objects.get_or_create(
            township=by_code[code], name=name, role=role,
            defaults={"sex": sex, "position": position, "phone": phone, "user": users.get(username)})
        if was_created:
            member.villages.set([by_code[v] for v in villages])
    # The demo's visits were made in bulk, with no signal to queue the copy of their needs: the sweep's own
    # service copies every one (plans.copy_visit_needs does the same for the recent days in a deployment).
    copied = sum(len(needs_from_visit(visit_id=pk)) for pk in visits_with_uncopied_needs(since=dt.date.min))
    if stdout is not None:
        stdout.write(f"政策库：{Policy.objects.count()} 项（本次新增 {created}）；资源 {Resource.objects.count()} 家；"
                     f"项目 {Project.objects.count()} 个；工作队伍 {TeamMember.objects.count()} 人；"
                     f"走访发现的需求转入需求清单 {copied} 条")

