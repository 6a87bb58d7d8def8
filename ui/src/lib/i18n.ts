// Every word on screen, in Chinese and English. Vocabulary words (rules,
// statuses …) are labelled by their wire name.

import type {
  AccountStatus,
  AlertStatus,
  ApprovalTier,
  AuditAction,
  BlacklistKind,
  CaseCheck,
  Channel,
  Decision,
  DeclineReason,
  Disposition,
  DisputeReason,
  ErrorCode,
  DisputeStatus,
  IncomeBand,
  KycLevel,
  Lang,
  LimitChangeReason,
  LimitChangeSource,
  LimitChangeStatus,
  LinkKind,
  MerchantCategory,
  Occupation,
  OperatorStatus,
  Role,
  Rule,
  ScoreFactor,
  ScoreLineView,
  Severity,
  TxKind,
  TxStatus,
} from "./generated/types";
import { auditActionWords, recordKindWords, wireWords } from "./generated/words";

/** A word in Chinese and in English. */
type Words = readonly [string, string];

const words = {
  appName: ["RiskDesk 风控台", "RiskDesk"],
  queue: ["预警队列", "Alert queue"],
  search: ["搜索", "Search"],
  searchHint: ["账户号 / 手机尾号 / 姓名 (按 / 键)", "Account id / phone tail / name (press /)"],
  signOut: ["退出登录", "Sign out"],
  liveDown: ["实时更新已中断，正在重连", "Live updates are down; reconnecting"],
  liveRetryIn: ["秒后重试", "s to the next try"],
  notices: ["通知", "Notices"],
  noticeCritical: ["严重预警", "Critical alerts"],
  noticeApprovals: ["待我审批", "Approvals for me"],
  noticeDisputes: ["升级至风控的争议", "Disputes escalated to risk"],
  quietHours: ["免打扰时段", "Quiet hours"],
  quietTo: ["至", "to"],
  navOpenAlerts: ["待处理预警", "Open alerts"],
  navApprovals: ["待我审批", "Waiting for my approval"],
  navOverdue: ["超时争议", "Overdue disputes"],
  newAbove: ["条新预警在上方", "new above"],
  newUnshown: ["条新预警未显示 · 点击载入", "new alerts not shown · load them"],
  takenBy: ["操作", "acted on this"],
  secondsAgo: ["秒前", "s ago"],
  liveClaimed: ["认领了此预警", "claimed this"],
  liveAssigned: ["分派了此预警", "assigned this"],
  liveReleased: ["释放了此预警", "released this"],
  liveEscalated: ["升级了此预警", "escalated this"],
  liveClosed: ["关闭了此预警", "closed this"],
  signIn: ["登录", "Sign in"],
  operator: ["操作员", "Operator"],
  password: ["密码", "Password"],
  totp: ["动态验证码", "TOTP code"],
  demoOperators: ["演示操作员", "Demo operators"],
  demoHint: [
    "内置演示服务：点击即可登录（密码和验证码由应用生成，不经过界面）",
    "Built-in demo service: click to sign in (the app supplies password and code; they never reach this page)",
  ],
  signInAs: ["以此身份登录", "Sign in"],
  service: ["服务", "Service"],
  embedded: ["内置演示服务", "built-in demo service"],
  changeService: ["切换服务", "Change service"],
  connectTitle: ["连接风控服务", "Connect to the risk service"],
  serviceUrl: ["服务地址", "Service URL"],
  serviceUrlHint: [
    "留空使用内置演示服务。须为 https://：密码和会话令牌不能明文经过网络；http:// 仅限本机服务（localhost、127.0.0.1）",
    "Leave empty for the built-in demo service. Must be https://: your password and session token never cross the network in clear; http:// only for a service on this computer (localhost, 127.0.0.1)",
  ],
  caFile: ["CA 证书文件（可选）", "CA certificate file (optional)"],
  caHint: ["私有 TLS 根证书的 PEM 文件路径", "Path of a PEM file with a private TLS root"],
  connect: ["连接", "Connect"],
  starting: ["正在启动…", "Starting…"],
  generating: ["正在生成演示资产组合", "Generating the demo portfolio"],
  customers: ["位客户", "customers"],
  keychainTitle: ["无法访问系统钥匙串", "The system keychain cannot be reached"],
  keychainBody: [
    "RiskDesk 只把会话令牌保存在系统钥匙串中，不会退而保存到文件或内存。",
    "RiskDesk keeps your session token only in the system keychain; it never falls back to a file or to memory.",
  ],
  keychainFix: [
    "请解锁系统的登录钥匙串（Linux：登录桌面会话，或启动 {command} 并解锁），然后重试。",
    "Unlock your login keyring (on Linux: sign in to the desktop session, or start {command} and unlock it), then try again.",
  ],
  tryAgain: ["重试", "Try again"],
  // The offline banner: why, by the failure's code, then how old the screen is.
  offline_unreachable: ["无法连接风控服务", "The risk service cannot be reached"],
  offline_timeout: ["风控服务未在时限内应答", "The risk service is not answering in time"],
  offline_interrupted: ["与风控服务的连接在应答途中中断", "The connection to the risk service broke off mid-answer"],
  shownAsOf: ["页面内容可能已过时；最后一次收到服务应答：", "What you see may be out of date; the service last answered at"],
  retry: ["重试", "Retry"],
  sessionEnded: ["会话已过期，请重新登录", "Your session has ended: sign in again"],
  lockedIdle: ["长时间无操作，控制台已锁定：请重新登录", "Locked after a while without input: sign in again"],
  all: ["全部", "All"],
  severity: ["严重度", "Severity"],
  rule: ["规则", "Rule"],
  account: ["账户", "Account"],
  amount: ["金额", "Amount"],
  age: ["时长", "Age"],
  status: ["状态", "Status"],
  assignee: ["处理人", "Assignee"],
  unassigned: ["未分配", "unassigned"],
  sort: ["排序", "Sort"],
  sortSeverity: ["严重度优先", "Most severe first"],
  sortNewest: ["最新", "Newest"],
  sortOldest: ["最早", "Oldest"],
  anySeverity: ["全部严重度", "Any severity"],
  anyRule: ["全部规则", "Any rule"],
  loading: ["加载中…", "Loading…"],
  empty: ["没有记录", "Nothing here"],
  keysHint: ["j/k 上下移动 · Enter 打开账户 · / 搜索", "j/k move · Enter opens the account · / search"],
  overdue: ["已超时", "overdue"],
  creditLine: ["授信额度", "Credit line"],
  limit: ["额度", "Limit"],
  used: ["已用", "Used"],
  available: ["可用", "Available"],
  frozen: ["冻结", "Frozen"],
  utilisation: ["使用率", "Utilisation"],
  outstanding: ["待还", "Outstanding"],
  score: ["评分", "Score"],
  grade: ["等级", "Grade"],
  base: ["基础分", "Base"],
  points: ["分值", "Points"],
  value: ["取值", "Value"],
  delinquency: ["逾期", "Delinquency"],
  dpd: ["逾期天数", "Days past due"],
  bucket: ["账龄", "Bucket"],
  billDay: ["账单日", "Bill day"],
  dueDay: ["还款日", "Due day"],
  profile: ["客户资料（已脱敏）", "Customer (masked)"],
  name: ["姓名", "Name"],
  customerAge: ["年龄", "Age"],
  phone: ["手机", "Phone"],
  nationalId: ["身份证", "National ID"],
  occupation: ["职业", "Occupation"],
  income: ["月收入", "Income"],
  city: ["城市", "City"],
  kyc: ["实名等级", "KYC"],
  customerSince: ["客户起始", "Customer since"],
  opened: ["开户", "Opened"],
  history: ["近 12 个月", "Last 12 months"],
  accountAlerts: ["该账户预警", "Alerts on this account"],
  links: ["关联网络", "Linked accounts"],
  cases: ["案件", "Cases"],
  caseOpenTab: ["进行中", "Open"],
  caseClosedTab: ["已结案", "Closed"],
  selectCase: ["选择一个案件查看", "Choose a case to see it"],
  caseTitle: ["案件名称", "Title"],
  caseOwner: ["负责人", "Owner"],
  caseDue: ["期限", "Due"],
  caseMembers: ["涉案记录", "Records"],
  caseChecklist: ["调查清单", "Checklist"],
  caseNotes: ["调查记录", "Notes"],
  caseTags: ["标签", "Tags"],
  caseTagsHint: ["以逗号分隔", "comma-separated"],
  saveTags: ["保存标签", "Save tags"],
  caseAddNote: ["添加记录", "Add note"],
  caseAttachments: ["附件", "Attachments"],
  attachFile: ["上传附件", "Attach a file"],
  attachHint: ["PDF、PNG、JPEG、文本或 CSV，最大 5 MB", "PDF, PNG, JPEG, text or CSV, up to 5 MB"],
  caseFreezeAll: ["冻结全部账户", "Freeze all accounts"],
  freezeAllReason: ["冻结原因", "Reason for the freezes"],
  closeCase: ["结案", "Close the case"],
  caseOutcome: ["结论", "Outcome"],
  caseOutcomeLabel: ["处置结论", "Disposition"],
  openCase: ["以此团伙立案", "Open a case on this group"],
  openCaseFromAlert: ["立案调查", "Open a case"],
  caseFrozen: ["已冻结", "frozen"],
  caseNotFrozen: ["未冻结", "not frozen"],
  caseShared: ["账户间共用", "Shared between the accounts"],
  caseSharedHashed: ["（哈希匹配，不显示）", "(matched by hash, not shown)"],
  caseBlacklistShared: ["拉黑所选设备与 IP", "Blacklist the chosen devices and IPs"],
  blacklistSharedReason: ["拉黑原因", "Reason for the entries"],
  caseListed: ["已拉黑", "listed"],
  caseNotListed: ["未拉黑", "not listed"],
  caseBlacklisted: ["黑名单", "Blacklist entries"],
  caseSharedBy: ["个账户", "accounts"],
  hashColumn: ["哈希", "Hash"],
  prevHash: ["前一条哈希", "Previous hash"],
  caseAccounts: ["账户", "Accounts"],
  caseAlerts: ["预警", "Alerts"],
  caseFreezes: ["冻结", "Freezes"],
  caseDisputes: ["争议", "Disputes"],
  overdueCase: ["已逾期", "overdue"],
  caseReport: ["导出案件报告（PDF）", "Export the case report (PDF)"],
  viewLinks: ["关联网络", "Links"],
  showLinks: ["查看关联账户与团伙评分", "Show the linked accounts and the ring score"],
  ringMembers: ["团伙规模", "Group size"],
  ringAtLeast: ["至少", "at least"],
  ringConfirmed: ["已确认欺诈", "Confirmed fraud"],
  ringOpenAlerts: ["未结预警", "Open alerts"],
  ringExposure: ["敞口（已用+可用）", "Exposure (used + available)"],
  hop: ["跳数", "Hop"],
  sharedWith: ["共用", "Shares"],
  commonThings: ["过于常见、未作关联", "Too common to link"],
  accountsShare: ["个以上账户共用", "+ accounts share it"],
  noLinks: ["没有关联账户", "No linked accounts"],
  limitChanges: ["额度调整记录", "Limit changes"],
  blacklistMatches: ["黑名单命中", "Blacklist matches"],
  notPermitted: ["你的角色无权查看", "Your role may not see this"],
  none: ["无", "None"],
  transactions: ["交易记录", "Transactions"],
  from: ["起始日期", "From"],
  to: ["截止日期", "To"],
  kind: ["类型", "Kind"],
  anyKind: ["全部类型", "Any kind"],
  anyStatus: ["全部状态", "Any status"],
  minAmount: ["最小金额", "Min amount"],
  maxAmount: ["最大金额", "Max amount"],
  merchant: ["商户", "Merchant"],
  time: ["时间", "Time"],
  channel: ["渠道", "Channel"],
  decision: ["决策", "Decision"],
  installments: ["分期", "Installments"],
  device: ["设备", "Device"],
  ip: ["IP", "IP"],
  location: ["位置", "Location"],
  ruleHits: ["命中规则", "Rules that fired"],
  noHits: ["未命中规则", "No rule fired"],
  order: ["订单号", "Order"],
  selectTransaction: ["选择一笔交易查看详情", "Select a transaction to see its details"],
  back: ["返回", "Back"],
  results: ["搜索结果", "Results"],
  badAmount: ["金额格式应为 1234.56", "Amounts look like 1234.56"],
  badRange: ["起始日期须早于截止日期", "From must be before To"],
  proposed: ["拟调整为", "Proposed"],
  current: ["原额度", "Current"],
  reason: ["原因", "Reason"],
  maker: ["发起人", "Maker"],
  checker: ["复核人", "Checker"],
  created: ["创建时间", "Created"],
  expires: ["到期", "Expires"],
  never: ["永久", "never"],
  theme: ["主题", "Theme"],
  light: ["浅色", "Light"],
  dark: ["深色", "Dark"],
  language: ["语言", "Language"],
  loaded: ["已加载", "loaded"],
  earlierRows: ["以下仍是上一次加载的结果，未能更新", "These are still the earlier results: the update failed"],
  of: ["共", "of"],
  evidence: ["证据", "Evidence"],
  openAccount: ["打开账户", "Open account"],
  viewTransactions: ["查看全部交易", "All transactions"],
  // Decisions
  approvals: ["额度审批", "Approvals"],
  blacklist: ["黑名单", "Blacklist"],
  sending: ["正在提交…", "Sending…"],
  done: ["已完成", "Done"],
  alreadyDone: [
    "已完成：此决定在之前的尝试中已经生效，本次没有重复执行",
    "Done: an earlier attempt had already taken effect; nothing was done twice",
  ],
  undecided: [
    "未收到风控服务的答复，无法确认此决定是否已生效。重试会发送同一请求，不会重复执行。",
    "No answer from the risk service: it is not known whether this decision took effect. Retry sends the same request; it cannot apply twice.",
  ],
  retrySame: ["重试（同一请求）", "Retry (same request)"],
  stale: ["该记录在你加载后已被修改，未执行。现在：", "This record changed after you loaded it; nothing was done. Now:"],
  reloadAndAsk: ["重新加载后再决定", "Reload and decide again"],
  claim: ["认领", "Claim"],
  assignTo: ["分配给", "Assign to"],
  releaseAlert: ["退回队列", "Release"],
  escalate: ["升级", "Escalate"],
  closeAs: ["结案为", "Close as"],
  note: ["备注", "Note"],
  addNote: ["添加备注", "Add note"],
  notes: ["备注记录", "Notes"],
  noteRequired: ["升级须填写原因", "Say why in a note to escalate"],
  escalatedBy: ["升级人", "escalated by"],
  alertWaitsForManager: ["已升级：等待主管处理，升级人不可再处理", "Escalated: it waits for a manager, never for whoever escalated it"],
  nextAlert: ["下一条", "Next alert"],
  queueClear: ["没有待认领的预警", "No open alert is waiting"],
  selectedCount: ["已选", "Selected"],
  selectPage: ["全选已加载", "Select loaded"],
  clearSelection: ["取消选择", "Clear"],
  bulkResults: ["批量处理结果", "Bulk results"],
  succeeded: ["成功", "succeeded"],
  failed: ["失败", "failed"],
  triageKeys: [
    "n 下一条 · c 认领 · x 选择 · e 升级 · 1 确认欺诈 · 2 误报 · 3 正常 · m 备注 · Enter 打开账户",
    "n next · c claim · x select · e escalate · 1 fraud · 2 false positive · 3 benign · m note · Enter account",
  ],
  selectAlert: ["选择一条预警进行处理", "Select an alert to work on it"],
  approve: ["批准", "Approve"],
  reject: ["驳回", "Reject"],
  totpPrompt: ["动态验证码（本次操作需要）", "TOTP code (this decision needs one)"],
  ownRequest: ["这是你发起的申请，须由另一人审批（四眼原则）", "You made this request: another person must decide it (four eyes)"],
  needsManager: ["此调整幅度需经理审批", "A change this large needs a manager"],
  tier: ["审批层级", "Tier"],
  change: ["变动", "Change"],
  pendingRequests: ["待审批申请", "Pending requests"],
  selectRequest: ["选择一条申请查看详情", "Select a request to see it"],
  noPending: ["没有待审批的申请", "Nothing waits for approval"],
  proposeLimit: ["申请调整额度", "Propose a new limit"],
  newLimit: ["新额度", "New limit"],
  decreaseNow: ["降额将立即生效（留痕）", "A decrease applies at once (audited)"],
  submit: ["提交", "Submit"],
  awaitingChecker: ["等待另一人审批", "waiting for another person's approval"],
  freeze: ["冻结额度", "Freeze"],
  freezeAll: ["冻结全部可用额度", "Freeze all that is available"],
  freezeAmount: ["冻结金额", "Amount to freeze"],
  lapsesAt: ["自动解冻时间（可选）", "Lapses at (optional)"],
  freezes: ["冻结记录", "Freezes"],
  unfreeze: ["解冻", "Release"],
  releasedBy: ["解冻人", "Released by"],
  live: ["生效中", "live"],
  addEntry: ["新增黑名单", "Add an entry"],
  listedAs: ["将登记为", "Listed as"],
  expiry: ["到期日（可选）", "Expires (optional)"],
  requestRemoval: ["申请移除", "Request removal"],
  approveRemoval: ["批准移除", "Approve removal"],
  rejectRemoval: ["驳回移除", "Keep entry"],
  removalPending: ["待复核移除", "Removal pending"],
  pendingOnly: ["只看待复核移除", "Pending removals only"],
  ownRemoval: ["这是你提出的移除申请，须由另一人批准", "You asked for this removal: a second person must approve it"],
  includeExpired: ["含已过期", "Include expired"],
  cancel: ["取消", "Cancel"],
  // Disputes
  disputes: ["争议处理", "Disputes"],
  openDispute: ["发起争议", "Open a dispute"],
  statement: ["客户陈述", "Customer's statement"],
  attachments: ["附件（每行一个）", "Attachments (one per line)"],
  timeline: ["处理经过", "Timeline"],
  refundAmount: ["退款金额", "Refund amount"],
  refundDispute: ["退款结案", "Resolve by refund"],
  rejectDispute: ["驳回结案", "Reject"],
  escalateDispute: ["转风控", "Escalate to risk"],
  disputeTotp: ["动态验证码（直接退款时需要；超出本人额度的退款提交他人审批）", "TOTP code (to refund yourself; a refund above your own limit goes to another person for approval)"],
  refundWaits: ["待审批退款", "Refund waiting for approval"],
  standing: ["账户状况", "The account's standing"],
  disputeHistory: ["该账户的其他争议", "The account's other disputes"],
  approveRefund: ["批准退款", "Approve the refund"],
  rejectRefund: ["退回申请", "Turn the refund down"],
  waitsForSecond: ["须由发起人以外的客服或主管审批", "Another agent or a manager approves it, never its maker"],
  waitsForManager: ["须由主管审批（发起人除外）", "A manager approves it, never its maker"],
  ownRefund: ["这是您发起的退款，须由他人审批", "You proposed this refund: someone else approves it"],
  riskTeamDecides: ["已转风控：由风控团队处理，转出人不可再处理", "With the risk team: they decide it, not whoever escalated it"],
  openedBy: ["受理人", "Opened by"],
  slaDue: ["处理时限", "Due"],
  selectDispute: ["选择一条争议查看详情", "Select a dispute to work on it"],
  viewTransaction: ["查看交易", "View the payment"],
  // Team (admins)
  team: ["团队管理", "Team"],
  refresh: ["刷新", "Refresh"],
  operatorId: ["登录名", "Sign-in id"],
  role: ["角色", "Role"],
  lastSignIn: ["最近登录", "Last sign-in"],
  neverSignedIn: ["从未登录", "Never"],
  chooseOwnPassword: ["这是管理员给的一次性密码：请设置您自己的密码（至少 12 位，两次一致）", "That password was for once: choose your own (at least 12 characters, typed twice)"],
  newPassword: ["新密码", "New password"],
  newPasswordAgain: ["再输一次", "Again"],
  failedAttempts: ["失败次数", "Failed"],
  sessions: ["在线会话", "Sessions"],
  serviceClients: ["支付渠道密钥", "Service clients"],
  clientId: ["渠道名", "Client"],
  revoked: ["已吊销", "Revoked"],
  revoke: ["吊销", "Revoke"],
  addClient: ["新增渠道密钥", "Add a client"],
  shownOnce: ["仅显示这一次：请当面交给本人，关闭后无法再次查看", "Shown this once: hand it over in person; it cannot be shown again"],
  handedOver: ["已交付，关闭", "Handed over: close"],
  credentialsFor: ["登录凭据", "Credentials for"],
  initialPassword: ["初始密码", "Initial password"],
  scanWithAuthenticator: ["用身份验证器 App 扫描二维码", "Scan the code with an authenticator app"],
  ownAccount: ["不能修改自己的账户：须由另一位管理员操作", "You cannot change your own account: another admin does"],
  changeRole: ["变更角色", "Change role"],
  enable: ["启用", "Enable"],
  disable: ["停用", "Disable"],
  resetTotp: ["重置验证器", "Reset authenticator"],
  lastSeen: ["最近活动", "last seen"],
  endSession: ["结束会话", "End session"],
  addOperator: ["新增操作员", "Add an operator"],
  // Audit
  audit: ["审计日志", "Audit trail"],
  actor: ["操作人", "Actor"],
  action: ["操作", "Action"],
  target: ["对象", "Target"],
  before: ["变更前", "Before"],
  after: ["变更后", "After"],
  field: ["字段", "Field"],
  openEntry: ["查看黑名单条目", "Open the entry"],
  storedRecord: ["原始记录（JSON，计入哈希）", "The stored record (JSON, as hashed)"],
  verifyChain: ["校验审计链", "Verify the chain"],
  verifying: ["正在本机校验审计链…", "Verifying the chain here…"],
  chainIntact: ["审计链完整：已在本机重算全部哈希并核验签名检查点", "The chain is intact: every hash recomputed here and every signed checkpoint checked"],
  chainBroken: ["审计链已被篡改，首个异常条目", "The chain has been tampered with; first broken entry"],
  keyChanged: ["服务的签名公钥与首次记录的不同", "The service's signing key differs from the one first seen"],
  serviceSays: ["服务端自检结果", "The service's own check"],
  intact: ["完整", "intact"],
  broken: ["已破坏", "broken"],
  checkpointsWord: ["个签名检查点", "signed checkpoints"],
  entriesWord: ["条记录", "entries"],
  signingKey: ["签名公钥", "Signing key"],
  reveal: ["显示", "Reveal"],
  hide: ["隐藏", "Hide"],
  revealReason: ["查看原因（记入审计）", "Why (recorded in the audit)"],
  selectEntry: ["选择一条记录查看变更前后", "Select an entry to see the record before and after"],
  break_altered: ["内容与其哈希不符（被修改）", "its content does not match its hash (altered)"],
  break_unlinked: ["与前一条记录衔接不上（有记录被删除、插入或移动）", "it does not follow the entry before it (removed, inserted or moved)"],
  break_checkpoint_mismatch: ["与签名检查点记录的哈希不符", "a signed checkpoint recorded another hash for it"],
  break_truncated: ["签名检查点表明审计链曾到达此条，现已被截断", "a signed checkpoint says the chain reached it: truncated"],
  // The dashboard
  dashboard: ["风险看板", "Dashboard"],
  daysWord: ["天", "days"],
  anyGrade: ["全部等级", "Any grade"],
  anyChannel: ["全部渠道", "Any channel"],
  homeCity: ["常住城市", "Home city"],
  authorizations: ["授权笔数", "Authorizations"],
  approvalRate: ["通过率", "Approval rate"],
  alertsRaised: ["预警数", "Alerts raised"],
  falsePositiveRate: ["误报率", "False-positive rate"],
  confirmedLosses: ["确认欺诈损失", "Confirmed fraud losses"],
  approvalsChart: ["每日授权与通过率", "Authorizations and approval rate by day"],
  alertsChart: ["每日预警（按规则）", "Alerts raised by day and rule"],
  dispositionsChart: ["预警处置与误报率（按规则）", "Dispositions and false positives by rule"],
  lossesChart: ["每月确认欺诈金额", "Confirmed fraud by month"],
  data: ["数据", "Data"],
  day: ["日期", "Day"],
  month: ["月份", "Month"],
  openInQueue: ["在预警队列中打开", "Open in the alert queue"],
  openAccounts: ["打开当前在此的账户", "Open the accounts in it now"],
  accountsNow: ["账户（当前）", "Accounts (now)"],
  more: ["更多", "More"],
  creditSection: ["信贷资产", "Credit portfolio"],
  fraudSection: ["欺诈与授权", "Fraud and authorizations"],
  monthsWord: ["个月", "months"],
  creditNoChannel: ["按月末账户统计（不分渠道）", "Accounts at each month's end (not by channel)"],
  accountsAt: ["账户数", "Accounts"],
  balanceOwed: ["应收余额", "Balance owed"],
  delinquencyRate: ["逾期率", "Delinquency rate"],
  dpd30Share: ["逾期 30 天以上占比", "30+ days past due"],
  limitChangesApproved: ["额度调整（已批准）", "Limit changes approved"],
  delinquencyChart: ["逾期余额（按账龄）与逾期率", "Balances past due by bucket, and the delinquency rate"],
  vintageChart: ["账龄分析（30+ 逾期占比）", "Vintages: share 30+ days past due by months on book"],
  rollRatesChart: ["迁徙率（月末到次月末）", "Roll rates, month end to month end"],
  utilisationChart: ["额度使用率分布", "Utilisation of the limits"],
  exposureChart: ["按等级的授信与余额", "Limits and balances by grade"],
  limitChangesChart: ["额度调整（按提议月份）", "Limit changes by the month proposed"],
  cohort: ["开户月份", "Cohort"],
  monthsOnBook: ["账龄（月）", "Months on book"],
  accountsWord: ["账户", "Accounts"],
  rollFrom: ["当月账龄", "From"],
  proposedWord: ["提议", "Proposed"],
  approvedWord: ["批准", "Approved"],
  rejectedWord: ["驳回", "Rejected"],
  expiredWord: ["过期", "Expired"],
  averageChange: ["平均调整", "Average change"],
  fpShort: ["误报", "FP"],
  exportCsv: ["导出 CSV", "Export CSV"],
  exporting: ["正在导出", "Exporting"],
  rowsWord: ["行", "rows"],
  exportSaved: ["已导出", "Saved"],
  exportCancelled: ["导出已取消，未留下文件", "Export cancelled; no file was left"],
  exportFailed: ["导出失败", "Export failed"],
  dismiss: ["关闭", "Dismiss"],
  break_bad_signature: ["检查点签名无效", "a checkpoint's signature does not hold"],
  // The rules screen
  rules: ["规则", "Rules"],
  rulesFromDatabase: ["规则按版本管理：草稿、影子运行、经他人复核发布", "Rules are versioned: drafts, shadow runs, published by a second person"],
  rulesFromFile: ["规则来自服务启动时的规则文件，此处只读", "The rules come from the service's rules file: read-only here"],
  liveVersion: ["生效版本", "Live version"],
  ruleVersion: ["版本", "Version"],
  author: ["作者", "Author"],
  publishedBy: ["发布人", "Published by"],
  ruleDraft: ["草稿", "Draft"],
  ruleShadow: ["影子运行", "Shadow"],
  ruleLive: ["生效中", "Live"],
  ruleRetired: ["已停用", "Retired"],
  basedOn: ["底稿", "Based on"],
  changedFromLive: ["与生效版本不同", "differs from live"],
  changesFromLive: ["处与生效版本不同", "changes from live"],
  nowLive: ["现行", "live"],
  newDraft: ["以此为底稿新建", "New draft from this"],
  saveDraft: ["保存草稿", "Save draft"],
  cancelDraft: ["放弃修改", "Discard"],
  draftNote: ["修改说明", "What and why"],
  runShadow: ["影子运行", "Run in shadow"],
  publish: ["发布", "Publish"],
  publishOwn: ["你编写了此版本，须由另一人发布", "You wrote this version: another person publishes it"],
  rollback: ["回滚到此版本", "Roll back to this version"],
  tabRules: ["规则", "Rules"],
  ruleRecord: ["各规则表现（按版本）", "Each rule's record, by version"],
  ruleTrend: ["逐日趋势", "Day by day"],
  tipped: ["改变决策", "Tipped"],
  precision: ["精确率", "Precision"],
  fraudAmount: ["确认欺诈金额", "Confirmed fraud"],
  beforeVersions: ["版本化之前", "before versions"],
  recordEmpty: ["此期间没有规则命中", "No rule fired in this window"],
  tabBacktest: ["回测", "Backtest"],
  tabShadow: ["影子对比", "Shadow"],
  backtestDays: ["回测近", "Backtest the last"],
  days: ["天", "days"],
  runBacktest: ["开始回测", "Run backtest"],
  cancelBacktest: ["取消回测", "Cancel"],
  backtestRunning: ["回测中", "Backtesting"],
  backtestCancelling: ["正在取消", "Cancelling"],
  backtestCancelled: ["回测已取消", "Backtest cancelled"],
  backtestFailed: ["回测失败", "Backtest failed"],
  backtestNone: ["尚未回测：对最近的真实交易逐笔按当时情况重判，与生效规则对比", "No backtest yet: recorded payments are judged again as of their own time, beside the live rules"],
  backtestOf: ["回测", "Backtest"],
  backtestAgainst: ["对比生效版本", "against live"],
  backtestMissing: ["此版本尚无回测报告", "No backtest report for this version"],
  shadowNone: ["此版本尚未在影子中判过交易", "This version has not judged a payment in shadow yet"],
  shadowGrowing: ["影子运行中：随交易到来持续累计，从不影响决策", "In shadow: grows as payments arrive, never acts"],
  shadowStopped: ["已不在影子运行：以下为其运行期间的对比", "No longer in shadow: the comparison from its run"],
  cmpPayments: ["笔交易", "payments"],
  cmpLabelled: ["笔有团队标注", "labelled by the team"],
  cmpChanged: ["笔结果改变", "changed"],
  cmpApproved: ["放行金额", "Amount let through"],
  cmpDecisions: ["决策变化", "Decisions"],
  cmpLive: ["生效", "Live"],
  cmpDraft: ["新版本", "This version"],
  cmpOutcomes: ["标注结果", "Labelled outcomes"],
  cmpBoth: ["两者均拦截", "Flagged by both"],
  cmpLiveOnlyFraud: ["漏判（仅生效拦截）", "Now missed"],
  cmpDraftOnlyFraud: ["新增拦截", "Newly caught"],
  cmpLiveOnly: ["减少误拦", "Avoided"],
  cmpDraftOnly: ["新增误拦", "Added"],
  cmpRules: ["各规则", "By rule"],
  cmpHits: ["命中", "Hits"],
  cmpAlerts: ["告警", "Alerts"],
  cmpAdded: ["新增告警", "Alerts added"],
  cmpRemoved: ["减少告警", "Alerts removed"],
  cmpChangedPayments: ["改变的交易（最早 50 笔）", "Changed payments (the first 50)"],
  cmpUnchanged: ["未变", "unchanged"],
  payments: ["笔数", "Payments"],
  sectionDecision: ["决策阈值", "Decision"],
  sectionAlerts: ["告警", "Alerts"],
  enabled: ["启用", "On"],
  weight: ["权重", "Weight"],
  review_at: ["转人工审核", "Review from"],
  decline_at: ["拒绝", "Decline from"],
  min_weight: ["告警最低权重", "Alert from weight"],
  dedup_minutes: ["同类告警合并", "Merge alerts within"],
  minutes: ["时间窗口", "Window"],
  max_count: ["最多笔数", "At most"],
  max_amount: ["金额上限", "Amount at most"],
  max_multiple: ["最高倍数", "At most"],
  min_history: ["最少历史笔数", "History of at least"],
  ignore_below: ["小额忽略", "Ignore below"],
  from_hour: ["夜间开始", "Night from"],
  to_hour: ["夜间结束", "Night until"],
  max_speed_kmh: ["最高速度", "Speed at most"],
  ignore_within_km: ["忽略距离", "Ignore within"],
  max_distance_km: ["最远距离", "Distance at most"],
  large_amount: ["大额标准", "Large from"],
  freeze_percent: ["冻结比例", "Freeze share"],
  freeze_hours: ["冻结时长", "Freeze for"],
  subjectAccount: ["账户", "Account"],
  subjectDevice: ["设备", "Device"],
  subjectIp: ["IP", "IP"],
  unitMinutes: ["分钟", "min"],
  unitHours: ["时", "h"],
  unitCount: ["笔", ""],
  unitTimes: ["倍", "×"],
  unitPercent: ["%", "%"],
} as const;

export type WordKey = keyof typeof words;

export function isWord(key: string): key is WordKey {
  return key in words;
}

export function t(lang: Lang, key: WordKey): string {
  return words[key][lang === "zh" ? 0 : 1];
}

/** The wire's enumerations the screens show: a word added to one of them in
 *  Rust fails the type check here until it has its Chinese and English. */
type WireWord =
  | AccountStatus
  | AlertStatus
  | ApprovalTier
  | BlacklistKind
  | Channel
  | Decision
  | DeclineReason
  | Disposition
  | DisputeReason
  | DisputeStatus
  | IncomeBand
  | KycLevel
  | LimitChangeReason
  | LimitChangeSource
  | LimitChangeStatus
  | MerchantCategory
  | Occupation
  | OperatorStatus
  | Role
  | Rule
  | ScoreFactor
  | Severity
  | TxKind
  | TxStatus;

/** Every wire word, and the few others shown by name (a dispute's events …). */
const vocabulary: Record<WireWord, Words> & Record<string, Words> = wireWords;

/** The investigation checklist's items. */
const caseChecks: Record<CaseCheck, [string, string]> = {
  links_reviewed: ["已核查关联网络", "Links and ring reviewed"],
  customers_contacted: ["已联系客户核实", "Customers contacted"],
  merchants_reviewed: ["已核查收款商户", "Merchants looked into"],
  actions_taken: ["已决定冻结与拉黑", "Freezes and blacklist decided"],
  outcome_recorded: ["已记录结论", "Outcome written down"],
};

export function checkLabel(lang: Lang, item: CaseCheck): string {
  return caseChecks[item][lang === "zh" ? 0 : 1];
}

/** What two linked accounts share, by kind. */
const linkKinds: Record<LinkKind, [string, string]> = {
  device: ["设备", "Device"],
  ip: ["IP", "IP"],
  ip_block: ["IP 网段", "IP /24"],
  phone: ["手机号", "Phone"],
  national_id: ["身份证", "National ID"],
  home: ["住址", "Home"],
  merchant: ["套现商户", "Cash-out merchant"],
};

export function linkLabel(lang: Lang, kind: LinkKind): string {
  return linkKinds[kind][lang === "zh" ? 0 : 1];
}

/** A score line's value: its count with the factor's unit, or the label of its word. */
export function scoreValue(lang: Lang, line: ScoreLineView): string {
  const n = line.value;
  const one = n === "1";
  switch (line.factor) {
    case "age":
      return lang === "zh" ? `${n} 岁` : n;
    case "payment_frequency":
      return lang === "zh" ? `每月 ${n} 笔` : `${n} a month`;
    case "worst_delinquency":
      return lang === "zh" ? `${n} 天` : `${n} ${one ? "day" : "days"}`;
    case "months_on_book":
      return lang === "zh" ? `${n} 个月` : `${n} ${one ? "month" : "months"}`;
    default:
      return label(lang, n);
  }
}

/** The label of a vocabulary word; an unknown word shows as itself. */
export function label(lang: Lang, word: string | null | undefined): string {
  if (word == null) return "—";
  const entry = vocabulary[word];
  return entry ? entry[lang === "zh" ? 0 : 1] : word;
}

/** What each error the console can meet means, in both languages; the
 *  service's own detail follows on a line of its own. A code without a
 *  message here fails the type check. */
const errorWords: Record<ErrorCode, [string, string]> = {
  unreachable: ["无法连接风控服务", "Cannot reach the risk service"],
  timeout: ["风控服务响应超时", "The risk service did not answer in time"],
  interrupted: ["连接中断", "The connection was interrupted"],
  tls: ["安全连接失败（证书无效）", "The secure connection failed (certificate)"],
  config: ["设置有误", "The settings are wrong"],
  protocol: ["服务返回了无法识别的应答", "The service answered something unexpected"],
  keychain_unavailable: ["系统钥匙串不可用", "The OS keychain is not available"],
  keychain_failed: ["读写系统钥匙串失败", "Reading or writing the OS keychain failed"],
  not_signed_in: ["尚未登录", "Not signed in"],
  embedded_failed: ["内置演示服务启动失败", "The built-in demo service failed to start"],
  undecided: ["结果未确认：请刷新后查看是否已生效", "Outcome unknown: reload to see whether it took effect"],
  invalid: ["输入有误", "Invalid input"],
  cancelled: ["已取消", "Cancelled"],
  save_failed: ["保存文件失败", "Saving the file failed"],
  malformed_json: ["请求格式错误", "Malformed request"],
  invalid_request: ["请求无效", "Invalid request"],
  invalid_value: ["输入有误", "Invalid input"],
  bad_cursor: ["分页位置已失效，请刷新", "The page position expired: reload"],
  payload_too_large: ["内容过大", "Too large"],
  unsupported_media_type: ["不支持的文件类型", "Unsupported file type"],
  not_found: ["记录不存在", "Not found"],
  method_not_allowed: ["不支持此操作", "Not supported"],
  unauthenticated: ["未登录或登录已失效", "Not signed in, or the session ended"],
  session_expired: ["登录已过期，请重新登录", "The session expired: sign in again"],
  invalid_credentials: ["账号、密码或动态验证码错误", "Wrong operator id, password or code"],
  rate_limited: ["操作过于频繁，请稍后再试", "Too many attempts: wait a moment"],
  password_change_required: ["请先修改密码", "Change your password first"],
  forbidden: ["你的角色无权执行此操作", "Your role may not do this"],
  invalid_state: ["当前状态不允许此操作", "Not allowed in the record's current state"],
  idempotency_mismatch: ["同一请求编号已用于不同内容", "The same request key was used for another request"],
  bad_notification: ["通知内容无效", "Invalid notification"],
  precondition_required: ["缺少记录版本号", "The record's version is missing"],
  stale_version: ["记录已被他人修改，请查看最新内容", "Someone changed it since you loaded it"],
  request_in_flight: ["相同请求正在处理中", "The same request is still being processed"],
  duplicate: ["已存在相同的记录", "An equal record already exists"],
  four_eyes: ["四眼原则：发起人不能审批自己的申请", "Four eyes: the maker cannot decide it"],
  step_up_failed: ["动态验证码无效或已使用，请输入验证器上的下一个验证码", "The code is wrong or already used: enter the next one from your authenticator"],
  internal: ["风控服务内部错误", "The risk service failed inside"],
};

/** An error in the operator's language: its code's message, then the
 *  service's or the console's own words on a second line. */
export function errorText(lang: Lang, error: { code: ErrorCode; message: string }): string {
  const words = errorWords[error.code];
  if (!words) return error.message;
  const said = words[lang === "zh" ? 0 : 1];
  return error.message && error.message !== said ? `${said}\n${error.message}` : said;
}

/** Every action of the audit trail (the service's closed set). */
const auditActions: Record<AuditAction, Words> = auditActionWords;

/** The kinds of record an audit entry's target names (`kind:id`). */
const auditTargets: Record<string, Words> = recordKindWords;

/** Who acted when it was the service itself, not an operator. */
const serviceActors: Record<string, [string, string]> = {
  system: ["系统", "System"],
  engine: ["风控引擎", "Risk engine"],
  lapsed: ["到期自动解除", "Lapsed"],
};

/** Who made or did something: an operator by their id, the service in words. */
export function who(lang: Lang, actor: string | null | undefined): string {
  if (actor == null) return "—";
  const words = serviceActors[actor];
  return words ? words[lang === "zh" ? 0 : 1] : actor;
}

/** An audit action in words; one the console does not know shows as its code. */
export function auditAction(lang: Lang, action: string): string {
  const words = (auditActions as Record<string, Words | undefined>)[action];
  return words ? words[lang === "zh" ? 0 : 1] : action;
}

/** An audit target, `alert:42`, as `预警 #42`; an operator by their id. */
export function auditTarget(lang: Lang, target: string): string {
  const colon = target.indexOf(":");
  const words = colon > 0 ? auditTargets[target.slice(0, colon)] : undefined;
  if (!words) return target;
  const id = target.slice(colon + 1);
  return `${words[lang === "zh" ? 0 : 1]} ${/^\d+$/.test(id) ? `#${id}` : id}`;
}
