-- 医保决策驾驶舱数据仓库建表语句(Doris),副本数 3,按年分区 2018–2030
-- 由 python -m data_sources.olap ddl 生成,与 data_sources/schema.py 的表定义一致。
CREATE TABLE assistance (
	year SMALLINT NOT NULL, 
	month SMALLINT NOT NULL, 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	record_id BIGINT NOT NULL, 
	pay_date DATE NOT NULL, 
	category VARCHAR(48) NOT NULL COMMENT '救助对象类别', 
	kind VARCHAR(48) NOT NULL COMMENT 'premium/outpatient/inpatient', 
	amount DECIMAL(12, 2) NOT NULL COMMENT '救助金额(元)', 
	person_key VARCHAR(64) NOT NULL COMMENT '匿名人员标识'
)
DUPLICATE KEY(year, month, township_code)
COMMENT '医疗救助支付明细'
PARTITION BY RANGE(year) (
    PARTITION p2018 VALUES [("2018"), ("2019")),
    PARTITION p2019 VALUES [("2019"), ("2020")),
    PARTITION p2020 VALUES [("2020"), ("2021")),
    PARTITION p2021 VALUES [("2021"), ("2022")),
    PARTITION p2022 VALUES [("2022"), ("2023")),
    PARTITION p2023 VALUES [("2023"), ("2024")),
    PARTITION p2024 VALUES [("2024"), ("2025")),
    PARTITION p2025 VALUES [("2025"), ("2026")),
    PARTITION p2026 VALUES [("2026"), ("2027")),
    PARTITION p2027 VALUES [("2027"), ("2028")),
    PARTITION p2028 VALUES [("2028"), ("2029")),
    PARTITION p2029 VALUES [("2029"), ("2030")),
    PARTITION p2030 VALUES [("2030"), ("2031"))
)
DISTRIBUTED BY HASH(township_code) BUCKETS 4
PROPERTIES (
    "replication_num" = "3"
);

CREATE TABLE drg_budget (
	year SMALLINT NOT NULL COMMENT '年度', 
	hospital_code VARCHAR(64) NOT NULL, 
	budget DECIMAL(16, 2) NOT NULL COMMENT '年度DRG付费预算(元)'
)
UNIQUE KEY(year, hospital_code)
COMMENT 'DRG付费预算'
DISTRIBUTED BY HASH(hospital_code) BUCKETS 2
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE drg_case (
	year SMALLINT NOT NULL, 
	month SMALLINT NOT NULL, 
	hospital_code VARCHAR(64) NOT NULL, 
	drg_code VARCHAR(32) NOT NULL, 
	case_id BIGINT NOT NULL, 
	weight DECIMAL(8, 4) NOT NULL COMMENT '病例权重', 
	outlier VARCHAR(32) NOT NULL COMMENT 'normal/high/low', 
	total_cost DECIMAL(12, 2) NOT NULL COMMENT '住院总费用(元)', 
	fund_paid DECIMAL(12, 2) NOT NULL COMMENT 'DRG基金支付(元)'
)
DUPLICATE KEY(year, month, hospital_code, drg_code)
COMMENT 'DRG结算病例'
PARTITION BY RANGE(year) (
    PARTITION p2018 VALUES [("2018"), ("2019")),
    PARTITION p2019 VALUES [("2019"), ("2020")),
    PARTITION p2020 VALUES [("2020"), ("2021")),
    PARTITION p2021 VALUES [("2021"), ("2022")),
    PARTITION p2022 VALUES [("2022"), ("2023")),
    PARTITION p2023 VALUES [("2023"), ("2024")),
    PARTITION p2024 VALUES [("2024"), ("2025")),
    PARTITION p2025 VALUES [("2025"), ("2026")),
    PARTITION p2026 VALUES [("2026"), ("2027")),
    PARTITION p2027 VALUES [("2027"), ("2028")),
    PARTITION p2028 VALUES [("2028"), ("2029")),
    PARTITION p2029 VALUES [("2029"), ("2030")),
    PARTITION p2030 VALUES [("2030"), ("2031"))
)
DISTRIBUTED BY HASH(hospital_code) BUCKETS 4
PROPERTIES (
    "replication_num" = "3"
);

CREATE TABLE drg_group (
	drg_code VARCHAR(32) NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	weight DECIMAL(8, 4) NOT NULL COMMENT '基准权重'
)
UNIQUE KEY(drg_code)
COMMENT 'DRG分组'
DISTRIBUTED BY HASH(drg_code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE enrollment (
	year SMALLINT NOT NULL COMMENT '年度', 
	month SMALLINT NOT NULL COMMENT '月份(1-12)', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	scheme VARCHAR(48) NOT NULL COMMENT 'resident/employee', 
	person_group VARCHAR(64) NOT NULL COMMENT '人群类别(互斥)', 
	enrolled INT NOT NULL COMMENT '截至当月末本年度累计缴费参保人数'
)
UNIQUE KEY(year, month, township_code, scheme, person_group)
COMMENT '参保人数(月度累计)'
PARTITION BY RANGE(year) (
    PARTITION p2018 VALUES [("2018"), ("2019")),
    PARTITION p2019 VALUES [("2019"), ("2020")),
    PARTITION p2020 VALUES [("2020"), ("2021")),
    PARTITION p2021 VALUES [("2021"), ("2022")),
    PARTITION p2022 VALUES [("2022"), ("2023")),
    PARTITION p2023 VALUES [("2023"), ("2024")),
    PARTITION p2024 VALUES [("2024"), ("2025")),
    PARTITION p2025 VALUES [("2025"), ("2026")),
    PARTITION p2026 VALUES [("2026"), ("2027")),
    PARTITION p2027 VALUES [("2027"), ("2028")),
    PARTITION p2028 VALUES [("2028"), ("2029")),
    PARTITION p2029 VALUES [("2029"), ("2030")),
    PARTITION p2030 VALUES [("2030"), ("2031"))
)
DISTRIBUTED BY HASH(township_code) BUCKETS 4
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE enrollment_target (
	year SMALLINT NOT NULL COMMENT '年度', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	scheme VARCHAR(48) NOT NULL, 
	target INT NOT NULL COMMENT '参保任务数'
)
UNIQUE KEY(year, township_code, scheme)
COMMENT '参保任务数(年度)'
DISTRIBUTED BY HASH(township_code) BUCKETS 2
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE fund_ledger (
	year SMALLINT NOT NULL COMMENT '年度', 
	month SMALLINT NOT NULL COMMENT '月份(1-12)', 
	scheme VARCHAR(48) NOT NULL, 
	flow VARCHAR(40) NOT NULL COMMENT 'income/spending', 
	item VARCHAR(96) NOT NULL COMMENT '收支项目', 
	amount DECIMAL(16, 2) NOT NULL COMMENT '金额(元)', 
	person_times INT COMMENT '结算人次(支出项目)'
)
UNIQUE KEY(year, month, scheme, flow, item)
COMMENT '基金收支台账(月度)'
DISTRIBUTED BY HASH(scheme) BUCKETS 2
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE fund_opening_balance (
	year SMALLINT NOT NULL COMMENT '年度', 
	scheme VARCHAR(48) NOT NULL, 
	amount DECIMAL(16, 2) NOT NULL COMMENT '上年末累计结余(元)'
)
UNIQUE KEY(year, scheme)
COMMENT '基金年初累计结余'
DISTRIBUTED BY HASH(scheme) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE institution (
	code VARCHAR(64) NOT NULL COMMENT '定点医药机构编码', 
	name VARCHAR(256) NOT NULL, 
	kind VARCHAR(64) NOT NULL COMMENT 'hospital/health_centre/village_clinic/pharmacy', 
	level VARCHAR(32) NOT NULL COMMENT '三级/二级/一级/未定级', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	village_code VARCHAR(60)
)
UNIQUE KEY(code)
COMMENT '定点医药机构'
DISTRIBUTED BY HASH(code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE poverty_alert (
	year SMALLINT NOT NULL COMMENT '年度', 
	month SMALLINT NOT NULL COMMENT '推送批次所在月份', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	person_key VARCHAR(64) NOT NULL, 
	population_type VARCHAR(32) NOT NULL COMMENT 'tuopin/nonghu', 
	oop_amount DECIMAL(12, 2) NOT NULL COMMENT '年度个人累计自付(元)'
)
UNIQUE KEY(year, month, township_code, person_key)
COMMENT '防返贫致贫监测预警推送'
PARTITION BY RANGE(year) (
    PARTITION p2018 VALUES [("2018"), ("2019")),
    PARTITION p2019 VALUES [("2019"), ("2020")),
    PARTITION p2020 VALUES [("2020"), ("2021")),
    PARTITION p2021 VALUES [("2021"), ("2022")),
    PARTITION p2022 VALUES [("2022"), ("2023")),
    PARTITION p2023 VALUES [("2023"), ("2024")),
    PARTITION p2024 VALUES [("2024"), ("2025")),
    PARTITION p2025 VALUES [("2025"), ("2026")),
    PARTITION p2026 VALUES [("2026"), ("2027")),
    PARTITION p2027 VALUES [("2027"), ("2028")),
    PARTITION p2028 VALUES [("2028"), ("2029")),
    PARTITION p2029 VALUES [("2029"), ("2030")),
    PARTITION p2030 VALUES [("2030"), ("2031"))
)
DISTRIBUTED BY HASH(township_code) BUCKETS 4
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE proc_agreement (
	year SMALLINT NOT NULL COMMENT '年度', 
	institution_code VARCHAR(64) NOT NULL, 
	product_code VARCHAR(80) NOT NULL, 
	agreed_volume BIGINT NOT NULL COMMENT '约定采购量(最小包装单位)'
)
UNIQUE KEY(year, institution_code, product_code)
COMMENT '约定采购量(年度)'
DISTRIBUTED BY HASH(institution_code) BUCKETS 2
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE proc_batch (
	batch_code VARCHAR(64) NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	level VARCHAR(48) NOT NULL COMMENT 'national/provincial/alliance', 
	start_date DATE NOT NULL COMMENT '执行开始日期', 
	end_date DATE NOT NULL COMMENT '协议期结束日期'
)
UNIQUE KEY(batch_code)
COMMENT '集采批次'
DISTRIBUTED BY HASH(batch_code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE proc_product (
	product_code VARCHAR(80) NOT NULL, 
	batch_code VARCHAR(64) NOT NULL, 
	generic_name VARCHAR(256) NOT NULL COMMENT '通用名', 
	spec VARCHAR(128) NOT NULL COMMENT '规格', 
	price_before DECIMAL(12, 4) NOT NULL COMMENT '集采前单价(元)', 
	price_after DECIMAL(12, 4) NOT NULL COMMENT '中选单价(元)'
)
UNIQUE KEY(product_code)
COMMENT '中选产品'
DISTRIBUTED BY HASH(product_code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE proc_purchase (
	year SMALLINT NOT NULL COMMENT '年度', 
	month SMALLINT NOT NULL COMMENT '月份(1-12)', 
	institution_code VARCHAR(64) NOT NULL, 
	product_code VARCHAR(80) NOT NULL, 
	volume BIGINT NOT NULL COMMENT '当月采购量'
)
UNIQUE KEY(year, month, institution_code, product_code)
COMMENT '实际采购量(月度)'
PARTITION BY RANGE(year) (
    PARTITION p2018 VALUES [("2018"), ("2019")),
    PARTITION p2019 VALUES [("2019"), ("2020")),
    PARTITION p2020 VALUES [("2020"), ("2021")),
    PARTITION p2021 VALUES [("2021"), ("2022")),
    PARTITION p2022 VALUES [("2022"), ("2023")),
    PARTITION p2023 VALUES [("2023"), ("2024")),
    PARTITION p2024 VALUES [("2024"), ("2025")),
    PARTITION p2025 VALUES [("2025"), ("2026")),
    PARTITION p2026 VALUES [("2026"), ("2027")),
    PARTITION p2027 VALUES [("2027"), ("2028")),
    PARTITION p2028 VALUES [("2028"), ("2029")),
    PARTITION p2029 VALUES [("2029"), ("2030")),
    PARTITION p2030 VALUES [("2030"), ("2031"))
)
DISTRIBUTED BY HASH(institution_code) BUCKETS 4
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE proc_retained (
	year SMALLINT NOT NULL COMMENT '年度', 
	institution_code VARCHAR(64) NOT NULL, 
	batch_code VARCHAR(64) NOT NULL, 
	amount DECIMAL(16, 2) NOT NULL COMMENT '结余留用金额(元)'
)
UNIQUE KEY(year, institution_code, batch_code)
COMMENT '集采结余留用'
DISTRIBUTED BY HASH(institution_code) BUCKETS 2
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE region (
	code VARCHAR(48) NOT NULL COMMENT '行政区划代码(6位)', 
	name VARCHAR(128) NOT NULL COMMENT '名称,如 南昌县', 
	level VARCHAR(16) NOT NULL COMMENT '县/区/市', 
	created_at DATETIME NOT NULL COMMENT '建库时间'
)
UNIQUE KEY(code)
COMMENT '本数据仓库所属地区'
DISTRIBUTED BY HASH(code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE township (
	code VARCHAR(48) NOT NULL COMMENT '行政区划代码(9位)', 
	name VARCHAR(128) NOT NULL COMMENT '乡镇(街道)名称', 
	sort_order SMALLINT NOT NULL COMMENT '排列顺序', 
	aliases VARCHAR(1020) COMMENT '别名(顿号或逗号分隔,如开发区、街道的其他叫法)'
)
UNIQUE KEY(code)
COMMENT '乡镇(街道)'
DISTRIBUTED BY HASH(code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE township_boundary (
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	geometry STRING NOT NULL COMMENT '乡镇边界(GeoJSON 几何)', 
	fictional BOOLEAN NOT NULL COMMENT '是否为演示用虚构边界'
)
UNIQUE KEY(township_code)
COMMENT '乡镇(街道)边界'
DISTRIBUTED BY HASH(township_code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE township_population (
	year SMALLINT NOT NULL COMMENT '年度', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	registered INT NOT NULL COMMENT '户籍人口', 
	resident INT NOT NULL COMMENT '常住人口', 
	poverty INT NOT NULL COMMENT '脱贫人口和监测对象人数'
)
UNIQUE KEY(year, township_code)
COMMENT '乡镇人口(年度)'
DISTRIBUTED BY HASH(township_code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);

CREATE TABLE village (
	code VARCHAR(60) NOT NULL COMMENT '村(社区)代码', 
	township_code VARCHAR(48) NOT NULL COMMENT '乡镇(街道)行政区划代码', 
	name VARCHAR(128) NOT NULL, 
	kind VARCHAR(32) NOT NULL COMMENT '村/社区'
)
UNIQUE KEY(code)
COMMENT '村(社区)'
DISTRIBUTED BY HASH(code) BUCKETS 1
PROPERTIES (
    "replication_num" = "3",
    "enable_unique_key_merge_on_write" = "true"
);
