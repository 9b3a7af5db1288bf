/**
 * The error catalogue: every error a client can see has a stable code, an HTTP status and a
 * message in Chinese (first) and English. Add new codes here, never ad hoc in handlers.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, zh: '请求参数有误', en: 'The request is invalid' },
  MALFORMED_REQUEST: { status: 400, zh: '请求格式无法解析', en: 'The request body could not be parsed' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, zh: '手机号或密码错误', en: 'Wrong phone number or password' },
  ACCOUNT_DISABLED: { status: 403, zh: '账号已停用', en: 'This account is disabled' },
  PASSWORD_CHANGE_REQUIRED: { status: 403, zh: '须先修改密码（首次登录或密码已过期）', en: 'You must change your password first (first login, or it has expired)' },
  FORBIDDEN: { status: 403, zh: '无权执行此操作', en: 'You are not allowed to do this' },
  CSRF_REJECTED: { status: 403, zh: '请求来源无法确认，已拒绝；请在数乡网页中操作', en: 'Refused: a cookie-authenticated change must come from the Shuxiang web apps (X-Shuxiang-Client)' },
  NOT_FOUND: { status: 404, zh: '资源不存在', en: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such endpoint' },
  REGION_NOT_FOUND: { status: 404, zh: '区域不存在', en: 'Region not found' },
  USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'User not found' },
  NO_GRID_AT_POINT: { status: 404, zh: '该位置不在任何网格内', en: 'No grid contains this point' },
  METHOD_NOT_ALLOWED: { status: 405, zh: '不支持该请求方法', en: 'Method not allowed' },
  PHONE_TAKEN: { status: 409, zh: '该手机号已注册', en: 'This phone number is already registered' },
  REGION_CODE_CONFLICT: { status: 409, zh: '区域编码冲突', en: 'Region code conflict' },
  WRONG_PASSWORD: { status: 400, zh: '原密码错误', en: 'The current password is wrong' },
  PASSWORD_REUSED: { status: 400, zh: '新密码不能与原密码相同', en: 'The new password must differ from the old one' },
  PASSWORD_TOO_SHORT: { status: 400, zh: '密码至少 8 位', en: 'The password must have at least 8 characters' },
  PASSWORD_TOO_SIMPLE: { status: 400, zh: '密码须包含小写字母、大写字母、数字、符号中的至少三类', en: 'The password must mix at least three of: lower-case, upper-case, digits, symbols' },
  PASSWORD_TOO_COMMON: { status: 400, zh: '密码过于常见，容易被猜中', en: 'The password is too common and easy to guess' },
  PASSWORD_CONTAINS_PHONE: { status: 400, zh: '密码不能包含或基于手机号', en: 'The password must not contain or be derived from the phone number' },
  PASSWORD_WHITESPACE: { status: 400, zh: '密码不能以空格开头或结尾，也不能全是空格', en: 'The password must not start or end with spaces, or be only spaces' },
  SESSION_NOT_FOUND: { status: 404, zh: '登录会话不存在或已结束', en: 'Session not found or already ended' },
  ROLE_REGION_MISMATCH: { status: 400, zh: '角色与所属区域层级不匹配', en: 'The role does not fit the level of the region' },
  INVALID_GEOJSON: { status: 400, zh: 'GeoJSON 数据无效', en: 'Invalid GeoJSON' },
  CASE_NOT_FOUND: { status: 404, zh: '事件不存在', en: 'Case not found' },
  CATEGORY_NOT_FOUND: { status: 404, zh: '事件类别不存在', en: 'Case category not found' },
  CASE_TRANSITION_NOT_ALLOWED: { status: 409, zh: '事件当前状态不允许此操作', en: 'The case is not in a state that allows this' },
  CASE_ID_CONFLICT: { status: 409, zh: '事件编号已被使用', en: 'This case id is already in use' },
  CATEGORY_EXISTS: { status: 409, zh: '事件类别已存在', en: 'The case category already exists' },
  ANONYMOUS_NOT_ALLOWED: { status: 400, zh: '该类别不允许匿名上报', en: 'This category does not allow anonymous reports' },
  DISPUTE_WINDOW_CLOSED: { status: 409, zh: '已超过 7 天申诉期限', en: 'The 7-day window for disputing has passed' },
  ALREADY_RATED: { status: 409, zh: '已评价过', en: 'Already rated' },
  CANNOT_EVALUATE_OWN_WORK: { status: 403, zh: '不能评价自己办理的事件', en: 'You cannot evaluate a case you handled yourself' },
  NO_LOCATION: { status: 400, zh: '请提供位置或选择所在村', en: 'Give a location or choose a village' },
  PHOTO_OUTSIDE_AREA: { status: 422, zh: '照片位置不在本乡镇范围内，请在地图上选择事发地点', en: 'The photo was taken outside this township: choose the place on the map' },
  LOCATION_OUTSIDE_AREA: { status: 422, zh: '所选位置不在本乡镇范围内，请在地图上重新选择事发地点', en: 'This place is outside the township: choose the place on the map' },
  BROADCAST_NOT_FOUND: { status: 404, zh: '广播不存在', en: 'Broadcast not found' },
  SCHEDULE_NOT_FOUND: { status: 404, zh: '定时节目不存在', en: 'Programme not found' },
  BROADCAST_ID_CONFLICT: { status: 409, zh: '广播编号已被使用', en: 'This broadcast id is already in use' },
  BROADCAST_NOT_ACTIVE: { status: 409, zh: '该广播已结束', en: 'The broadcast has already ended' },
  AUDIO_UNPLAYABLE: { status: 400, zh: '该音频无法确定时长，不能播放', en: 'The audio has no known duration and cannot be broadcast' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '请求内容过大', en: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  BAD_HTTP_REQUEST: { status: 400, zh: '请求不符合 HTTP 协议', en: 'The request is not valid HTTP' },
  REQUEST_TIMEOUT: { status: 408, zh: '请求超时', en: 'The request took too long to arrive' },
  URI_TOO_LONG: { status: 414, zh: '请求地址过长', en: 'The request URL is too long' },
  HEADERS_TOO_LARGE: { status: 431, zh: '请求头过大', en: 'The request headers are too large' },
  LOGIN_RATE_LIMITED: { status: 429, zh: '登录尝试过于频繁，请稍后再试', en: 'Too many login attempts; try again later' },
  // SMS verification codes, sign-in by code, the staff second factor, the WeChat entry (accounts)
  VERIFICATION_RESEND_TOO_SOON: { status: 429, zh: '验证码已发送，请稍后再重新获取', en: 'A code was sent just now; wait before asking for another' },
  VERIFICATION_PHONE_LIMIT: { status: 429, zh: '该手机号今日获取验证码次数过多，请明天再试', en: 'Too many codes for this phone today; try again tomorrow' },
  VERIFICATION_IP_LIMIT: { status: 429, zh: '当前网络获取验证码过于频繁，请稍后再试', en: 'Too many codes requested from this network; try again later' },
  VERIFICATION_CODE_INVALID: { status: 400, zh: '验证码错误', en: 'Wrong verification code' },
  VERIFICATION_CODE_EXPIRED: { status: 400, zh: '验证码已过期，请重新获取', en: 'The code has expired; ask for a new one' },
  VERIFICATION_CODE_USED: { status: 400, zh: '验证码已使用，请重新获取', en: 'The code has already been used; ask for a new one' },
  VERIFICATION_CODE_TOO_MANY_TRIES: { status: 400, zh: '验证码输错次数过多，已失效，请重新获取', en: 'Too many wrong tries: the code no longer works; ask for a new one' },
  SECOND_FACTOR_REQUIRED: { status: 403, zh: '管理人员须使用“密码 + 短信验证码”登录', en: 'Staff accounts sign in with their password and an SMS code' },
  LOGIN_CHALLENGE_INVALID: { status: 401, zh: '登录已超时，请重新输入密码', en: 'The sign-in has timed out; enter your password again' },
  WECHAT_NOT_CONFIGURED: { status: 404, zh: '未开通微信登录', en: 'WeChat sign-in is not set up' },
  WECHAT_STATE_MISMATCH: { status: 400, zh: '微信授权校验失败，请从公众号菜单重新进入', en: 'The WeChat authorisation could not be verified; open the page from the official account menu again' },
  WECHAT_UNAVAILABLE: { status: 502, zh: '微信授权失败，请稍后再试或使用短信验证码登录', en: 'WeChat authorisation failed; try later or sign in with an SMS code' },
  WECHAT_NOT_BOUND: { status: 404, zh: '未绑定微信', en: 'No WeChat account is bound' },
  INTERNAL_ERROR: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },
  PHOTO_TOO_LARGE: { status: 413, zh: '照片过大', en: 'Photo too large' },
  TOO_MANY_PHOTOS: { status: 413, zh: '照片数量过多', en: 'Too many photos' },
  UNSUPPORTED_IMAGE: { status: 415, zh: '仅支持 JPEG、PNG、WebP 格式的图片', en: 'Only JPEG, PNG and WebP images are accepted' },
  INVALID_IMAGE: { status: 400, zh: '图片已损坏或无法读取', en: 'The image is damaged or cannot be read' },
  PHOTO_NOT_FOUND: { status: 404, zh: '照片不存在', en: 'Photo not found' },
  PHOTO_NOT_ATTACHABLE: { status: 400, zh: '照片无法关联到此事件', en: 'These photos cannot be attached' },
  PHOTO_QUOTA_EXCEEDED: { status: 429, zh: '近 24 小时上传的照片过多，请先提交或稍后再试', en: 'Too many photos uploaded in 24 hours; submit them or try later' },
  SIGNED_URL_INVALID: { status: 403, zh: '链接无效', en: 'Invalid link' },
  SIGNED_URL_EXPIRED: { status: 403, zh: '链接已过期，请刷新页面', en: 'The link has expired; reload the page' },
  REQUEST_ID_CONFLICT: { status: 409, zh: '该编号已被他人使用', en: 'This id is already used by someone else' },
  HOUSEHOLD_NOT_FOUND: { status: 404, zh: '户不存在', en: 'Household not found' },
  HOUSEHOLD_MEMBER_ELSEWHERE: { status: 409, zh: '该村民已属于其他户，请先从原户移出', en: 'This person belongs to another household; remove them there first' },
  HOUSEHOLD_MEMBER_OUTSIDE_VILLAGE: { status: 400, zh: '户成员须为本村人员', en: 'Members must live in the household’s village' },
  POINTS_RULE_NOT_FOUND: { status: 404, zh: '积分规则不存在', en: 'Points rule not found' },
  POINTS_RULE_EXISTS: { status: 409, zh: '本区域已有同编码的积分规则', en: 'A points rule with this code already exists here' },
  POINTS_RULE_NOT_APPLICABLE: { status: 400, zh: '该积分规则不适用于此操作', en: 'This points rule cannot be used for this' },
  POINTS_CLAIM_NOT_FOUND: { status: 404, zh: '积分申报不存在', en: 'Points claim not found' },
  POINTS_CLAIM_DECIDED: { status: 409, zh: '该申报已审核', en: 'This claim has already been decided' },
  POINTS_CLAIM_DUPLICATE: { status: 409, zh: '同一事项当天已申报过', en: 'You already claimed this activity for that day' },
  CANNOT_DECIDE_OWN_HOUSEHOLD: { status: 403, zh: '不能为本人或本户成员审核、加减积分', en: 'You cannot decide points for yourself or your own household' },
  POINTS_ENTRY_NOT_FOUND: { status: 404, zh: '积分记录不存在', en: 'Points entry not found' },
  POINTS_ALREADY_CORRECTED: { status: 409, zh: '该记录已更正过', en: 'This entry has already been corrected' },
  POINTS_INSUFFICIENT: { status: 409, zh: '积分不足', en: 'Not enough points' },
  STORE_ITEM_NOT_FOUND: { status: 404, zh: '商品不存在或已下架', en: 'Item not found or no longer offered' },
  STORE_OUT_OF_STOCK: { status: 409, zh: '库存不足', en: 'Out of stock' },
  STORE_ORDER_NOT_FOUND: { status: 404, zh: '兑换订单不存在', en: 'Order not found' },
  STORE_ORDER_CLOSED: { status: 409, zh: '订单已完成或已取消', en: 'The order is already completed or cancelled' },
  AUDIO_NOT_FOUND: { status: 404, zh: '音频不存在', en: 'Audio not found' },
  AUDIO_TOO_LARGE: { status: 413, zh: '音频文件过大', en: 'Audio file too large' },
  UNSUPPORTED_AUDIO: { status: 415, zh: '仅支持 MP3、WAV、WebM、Ogg、MP4/M4A 格式的音频', en: 'Only MP3, WAV, WebM, Ogg and MP4/M4A audio is accepted' },
  INVALID_AUDIO: { status: 400, zh: '音频已损坏或无法读取', en: 'The audio is damaged or cannot be read' },
  AUDIO_QUOTA_EXCEEDED: { status: 429, zh: '近 24 小时生成的音频过多，请稍后再试', en: 'Too many audio clips made in 24 hours; try later' },
  TTS_BUSY: { status: 503, zh: '语音合成繁忙，请稍后再试', en: 'Speech synthesis is busy; try again shortly' },
  TTS_FAILED: { status: 502, zh: '语音合成失败', en: 'Speech synthesis failed' },
  RANGE_NOT_SATISFIABLE: { status: 416, zh: '请求的字节范围无效', en: 'The requested byte range cannot be served' },
  DEVICE_NOT_FOUND: { status: 404, zh: '设备不存在', en: 'Device not found' },
  DEVICE_EXISTS: { status: 409, zh: '该设备编号已被使用', en: 'This device id is already in use' },
  DEVICE_DISABLED: { status: 409, zh: '设备已停用', en: 'The device is disabled' },
  DEVICE_OFFLINE: { status: 409, zh: '设备离线', en: 'The device is offline' },
  DEVICE_MESSAGING_UNAVAILABLE: { status: 503, zh: '设备通信服务暂不可用', en: 'Device messaging is unavailable' },
  CAMERA_NOT_FOUND: { status: 404, zh: '摄像头不存在', en: 'Camera not found' },
  CAMERA_EXISTS: { status: 409, zh: '该摄像头编号或 Frigate 名称已被使用', en: 'This camera id or Frigate name is already in use' },
  CAMERA_NO_SNAPSHOT: { status: 404, zh: '暂无画面', en: 'No picture from this camera yet' },
  CAMERA_SECRET_INVALID: { status: 401, zh: '摄像头密钥无效', en: 'The camera secret is not valid' },
  ZONE_NOT_FOUND: { status: 404, zh: '警戒区域不存在', en: 'Zone not found' },
  ALARM_NOT_FOUND: { status: 404, zh: '告警不存在', en: 'Alarm not found' },
  ALARM_ALREADY_HANDLED: { status: 409, zh: '该告警已处理', en: 'The alarm has already been handled' },
  ALARM_NO_SNAPSHOT: { status: 404, zh: '该告警没有抓拍图', en: 'The alarm has no snapshot' },
  ALARM_NO_SPEAKER: { status: 409, zh: '该摄像头没有绑定音柱，无法喊话', en: 'No loudspeaker is bound to this camera' },
  // 用水量异常波动预警 (water)
  WATER_METER_NOT_FOUND: { status: 404, zh: '水表不存在', en: 'Water meter not found' },
  WATER_METER_EXISTS: { status: 409, zh: '该水表编号已被使用', en: 'This meter id is already in use' },
  WATER_METER_DISABLED: { status: 409, zh: '水表已停用', en: 'The water meter is disabled' },
  WATER_ALERT_NOT_FOUND: { status: 404, zh: '用水预警不存在', en: 'Water alert not found' },
  WATER_ALERT_ACKNOWLEDGED: { status: 409, zh: '该预警已确认', en: 'The alert has already been acknowledged' },
  WATER_CSV_INVALID: { status: 400, zh: 'CSV 文件无法读取：首行须为 timestamp,reading_litres', en: 'The CSV cannot be read: the first line must be timestamp,reading_litres' },
  // 智慧党建 (party)
  PARTY_ORGANISATION_NOT_FOUND: { status: 404, zh: '党组织不存在', en: 'Party organisation not found' },
  PARTY_ORGANISATION_EXISTS: { status: 409, zh: '同一上级党组织下已有同名组织', en: 'An organisation of this name already exists under this parent' },
  PARTY_ORGANISATION_PARENT_INVALID: { status: 400, zh: '上级党组织不符合层级（党委 → 党总支 → 党支部 → 党小组）', en: 'The parent does not fit the hierarchy (committee → general branch → branch → group)' },
  PARTY_MEMBER_NOT_FOUND: { status: 404, zh: '党员不存在', en: 'Party member not found' },
  PARTY_MEMBER_EXISTS: { status: 409, zh: '该账号已登记为党员', en: 'This account is already registered as a party member' },
  PARTY_NOT_A_MEMBER: { status: 403, zh: '您还不是登记在册的党员', en: 'You are not a registered party member' },
  PARTY_MEETING_TYPE_NOT_FOUND: { status: 404, zh: '会议类型不存在', en: 'Meeting type not found' },
  PARTY_MEETING_TYPE_EXISTS: { status: 409, zh: '会议类型编码或名称已被使用', en: 'This meeting type code or name is already in use' },
  PARTY_MEETING_TYPE_NOT_FOR_ORGANISATION: { status: 400, zh: '该类型的会议不由此组织召开', en: 'This organisation does not hold meetings of this type' },
  PARTY_MEETING_NOT_FOUND: { status: 404, zh: '会议不存在', en: 'Meeting not found' },
  PARTY_MEETING_CANCELLED: { status: 409, zh: '会议已取消', en: 'The meeting has been cancelled' },
  PARTY_MEETING_LOCKED: { status: 409, zh: '会议已开始或已有记录，不能再修改计划', en: 'The meeting has started or has a record; its plan can no longer change' },
  PARTY_MEETING_NOT_STARTED: { status: 409, zh: '会议尚未开始，不能填写记录', en: 'The meeting has not started; it cannot be recorded yet' },
  PARTY_LATE_REASON_REQUIRED: { status: 400, zh: '已超过会议时间窗口，补录须说明原因', en: 'This is past the meeting’s window: entering it late needs a reason' },
  PARTY_SIGNIN_NOT_OPEN: { status: 409, zh: '签到尚未开始', en: 'Sign-in has not opened yet' },
  PARTY_SIGNIN_CLOSED: { status: 409, zh: '签到已结束', en: 'Sign-in has closed' },
  PARTY_SIGNIN_ONSITE_ONLY: { status: 409, zh: '本次会议须在现场扫码签到', en: 'This meeting takes on-site sign-in by QR code only' },
  PARTY_SIGNIN_CODE_INVALID: { status: 403, zh: '签到码无效', en: 'Invalid sign-in code' },
  PARTY_SIGNIN_CODE_EXPIRED: { status: 403, zh: '签到码已过期，请扫描会场上最新的二维码', en: 'The sign-in code has expired; scan the current code at the meeting' },
  PARTY_NOT_EXPECTED: { status: 403, zh: '您不在本次会议的参会名单中', en: 'You are not on this meeting’s list of attendees' },
  PARTY_LEAVE_CLOSED: { status: 409, zh: '会议已结束，不能再请假', en: 'The meeting is over; leave can no longer be requested' },
  PARTY_LEAVE_NOT_REQUESTED: { status: 409, zh: '该党员没有请假申请', en: 'This member has not asked for leave' },
  PARTY_LEAVE_DECIDED: { status: 409, zh: '请假申请已审批，不能再更改', en: 'The leave request has been decided; it can no longer change' },
  PARTY_MATERIAL_NOT_FOUND: { status: 404, zh: '学习资料不存在', en: 'Study material not found' },
  PARTY_DUES_ALREADY_PAID: { status: 409, zh: '该月党费已登记', en: 'Dues for this month are already recorded' },
  // 乡村信息、办证办事、养老 (village-services)
  NOTICE_NOT_FOUND: { status: 404, zh: '通知公告不存在', en: 'Notice not found' },
  NOTICE_ID_CONFLICT: { status: 409, zh: '通知编号已被使用', en: 'This notice id is already in use' },
  NOTICE_STATE_CONFLICT: { status: 409, zh: '通知当前状态不允许此操作', en: 'The notice is not in a state that allows this' },
  VILLAGE_FILE_NOT_FOUND: { status: 404, zh: '附件不存在', en: 'File not found' },
  VILLAGE_FILE_TOO_LARGE: { status: 413, zh: '附件过大', en: 'File too large' },
  TOO_MANY_FILES: { status: 413, zh: '附件数量过多', en: 'Too many files' },
  UNSUPPORTED_FILE: { status: 415, zh: '仅支持图片（JPEG、PNG、WebP）、PDF、Word 和 Excel 文件', en: 'Only images (JPEG, PNG, WebP), PDF, Word and Excel files are accepted' },
  FILES_NOT_ATTACHABLE: { status: 400, zh: '附件无法关联（须为本人刚上传的文件）', en: 'These files cannot be attached (only files you uploaded and not yet used)' },
  FILE_QUOTA_EXCEEDED: { status: 429, zh: '近 24 小时上传的附件过多，请先使用或稍后再试', en: 'Too many files uploaded in 24 hours; use them or try later' },
  SERVICE_GUIDE_NOT_FOUND: { status: 404, zh: '办事指南不存在', en: 'Service guide not found' },
  SERVICE_GUIDE_EXISTS: { status: 409, zh: '本区域已有同编码的办事指南', en: 'A guide with this code already exists here' },
  SERVICE_KIND_NOT_OFFERED: { status: 400, zh: '该事项不提供这种办理方式', en: 'This matter does not offer that way of handling' },
  SERVICE_REQUEST_NOT_FOUND: { status: 404, zh: '办事申请不存在', en: 'Service request not found' },
  SERVICE_REQUEST_ID_CONFLICT: { status: 409, zh: '申请编号已被使用', en: 'This request id is already in use' },
  SERVICE_REQUEST_TRANSITION_NOT_ALLOWED: { status: 409, zh: '申请当前状态不允许此操作', en: 'The request is not in a state that allows this' },
  ELDERLY_NOT_FOUND: { status: 404, zh: '老人档案不存在', en: 'Elderly resident not found' },
  ELDERLY_ALREADY_REGISTERED: { status: 409, zh: '此人已登记在册', en: 'This person is already registered' },
  ELDERLY_VISIT_NOT_FOUND: { status: 404, zh: '走访任务不存在', en: 'Visit not found' },
  ELDERLY_VISIT_ID_CONFLICT: { status: 409, zh: '走访编号已被使用', en: 'This visit id is already in use' },
  ELDERLY_VISIT_CLOSED: { status: 409, zh: '该走访任务已完成或已取消', en: 'The visit is already done or cancelled' },
  MEAL_REQUEST_NOT_FOUND: { status: 404, zh: '送餐申请不存在', en: 'Meal delivery request not found' },
  MEAL_REQUEST_DECIDED: { status: 409, zh: '该送餐申请已处理', en: 'The meal delivery request has already been decided' },
  MEAL_REQUEST_NOT_ACTIVE: { status: 409, zh: '该申请当天不在送餐期内', en: 'The request is not active on that day' },
  READ_ALOUD_RATE_LIMITED: { status: 429, zh: '朗读请求过于频繁，请稍后再试', en: 'Too many read-aloud requests; try again shortly' },
  JOIN_LINK_INVALID: { status: 404, zh: '加入链接无效或已更换，请扫描村里最新张贴的二维码', en: 'This join link is not valid (any more): scan the code on the village’s current poster' },
  JOIN_SEARCH_RATE_LIMITED: { status: 429, zh: '查找过于频繁，请稍后再试', en: 'Too many searches; try again later' },
  REGISTRATION_NOT_FOUND: { status: 404, zh: '注册申请不存在', en: 'Registration not found' },
  REGISTRATION_DECIDED: { status: 409, zh: '该注册申请已处理', en: 'The registration has already been decided' },
  REGISTRATION_SIGN_IN_UNAVAILABLE: { status: 409, zh: '无法用此申请登录，请用手机号和验证码登录', en: 'This registration cannot sign you in: sign in with your phone number and a code' },
  PHONE_ALREADY_REGISTERED: { status: 409, zh: '该手机号已有账号，请直接用手机号和验证码登录；如需更换村或户，请联系村两委', en: 'This phone number already has an account: sign in with a code; to change village or household, ask the village cadres' },
  PRIVACY_CONSENT_OUTDATED: { status: 409, zh: '个人信息保护说明已更新，请重新阅读并同意', en: 'The privacy notice has changed: read and accept it again' },
  HOUSEHOLD_OUTSIDE_VILLAGE: { status: 400, zh: '所选的户不属于本村', en: 'The household is not in this village' },
  PUSH_SUBSCRIPTION_NOT_FOUND: { status: 404, zh: '此浏览器未开启消息推送', en: 'This browser has no push subscription' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** One problem with one field of a request. */
export interface FieldProblem {
  field: string;
  message: string;
  messageEn: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  messageEn: string;
  requestId?: string;
  details?: FieldProblem[];
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    /** `permission`: the permission a FORBIDDEN lacked, for the audit trail only (never sent to the client). */
    readonly extra: { details?: FieldProblem[]; retryAfterSeconds?: number; detail?: { zh: string; en: string }; permission?: string } = {},
  ) {
    super(errorCatalogue[code].en);
    this.name = 'AppError';
    this.status = errorCatalogue[code].status;
  }

  toBody(requestId?: string): ErrorBody {
    const entry = errorCatalogue[this.code];
    const detail = this.extra.detail;
    return {
      code: this.code,
      message: detail ? `${entry.zh}：${detail.zh}` : entry.zh,
      messageEn: detail ? `${entry.en}: ${detail.en}` : entry.en,
      requestId,
      ...(this.extra.details ? { details: this.extra.details } : {}),
      ...(this.extra.retryAfterSeconds ? { retryAfterSeconds: this.extra.retryAfterSeconds } : {}),
    };
  }
}

/** A validation error about a single field raised by a service rule (not by a schema). */
export function fieldError(field: string, zh: string, en: string): AppError {
  return new AppError('VALIDATION_FAILED', { details: [{ field, message: zh, messageEn: en }] });
}
