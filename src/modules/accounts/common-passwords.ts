/**
 * Passwords people pick most, lower-case: the global top lists and Chinese favourites (5201314 "I love
 * you for ever", woaini, keyboard walks like 1qaz2wsx, pinyin names with 123456). The policy also
 * matches a password's letter or digit core against it, so Woaini@2024 counts as woaini.
 */
export const commonPasswords: ReadonlySet<string> = new Set([
  // Shifted keyboard walks, the favourite of enterprise password rules.
  '1qaz@wsx', '1qaz@wsx3edc', '1qaz@wsx#edc', 'qaz@wsx', 'zaq1@wsx', '1qaz!qaz', 'qwe!@#123', '!qaz@wsx#edc',
  '123456', '123456789', '12345678', '1234567890', '1234567', '12345', '123123', '111111', '000000', '666666',
  '888888', '112233', '123321', '654321', '121212', '131313', '147258', '147258369', '159357', '159753', '168168',
  '520520', '5201314', '1314520', '521521', '5211314', '7758521', '7758258', 'woaini', 'woaini1314', 'woaini520',
  'woaini123', 'iloveyou', 'iloveyou1', 'aini1314', 'a123456', 'a12345678', 'a123456789', 'aa123456', 'abc123',
  'abc12345', 'abc123456', 'abcd1234', 'abcd123456', 'a1b2c3d4', 'a1234567', 'qq123456', 'qwe123', 'qwe123456',
  'qweasd', 'qweasdzxc', 'qwerty', 'qwerty123', 'qwertyuiop', 'qazwsx', '1qaz2wsx', '1qaz2wsx3edc', '1q2w3e4r',
  '1q2w3e4r5t', '1q2w3e', '1qazxsw2', '2wsx3edc', 'zxcvbnm', 'zxcvbn', 'asdfgh', 'asdfghjkl', 'asd123', 'zxc123',
  'password', 'password1', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'pass1234', 'admin', 'admin123',
  'admin888', 'admin@123', 'root', 'root123', 'test', 'test123', 'test1234', 'guest', 'welcome', 'welcome1', 'letmein',
  'monkey', 'dragon', 'master', 'sunshine', 'princess', 'football', 'baseball', 'shadow', 'superman', 'batman',
  'trustno1', 'michael', 'charlie', 'jennifer', 'jordan', 'hunter', 'ninja', 'mustang', 'starwars', 'whatever',
  'freedom', 'computer', 'internet', 'secret', 'secret123', 'changeme', 'default', 'login', 'hello', 'hello123',
  'hello1234', 'loveyou', 'lovely', 'love1314', 'iloveu', '1314521', 'baobei', 'baobei520', 'laopo520', 'laogong',
  'wangyang', 'zhangwei', 'liwei', 'wangwei', 'liuyang', 'zhanghui', 'nihao', 'nihao123', 'woshishui', 'beijing',
  'shanghai', 'zhongguo', 'china', 'china123', 'chinese', 'huawei', 'xiaomi', 'taobao', 'wodemima', 'mima', 'mima123',
  'mima1234', 'shuxiang', 'shuxiang123', 'aaaaaa', 'aaaaaaaa', 'abcdef', 'abcdefg', 'abcdefgh', '11111111', '22222222',
  '88888888', '66666666', '99999999', '12341234', '11223344', '123654', '123654789', '987654321', '98765432',
  '87654321', '0123456789', '01234567', '13579', '135792468', '246810', '147852', '147852369', '741852963', '258369',
  '369369', '123qwe', '123qweasd', '123abc', '123456a', '123456aa', '123456abc', '123456qq', '12345qwert', '5201314a',
  'woaini1', '1234qwer', 'qwer1234', 'qwer', 'asdf1234', 'asdf', 'zaq12wsx', '!qaz2wsx', '!qaz@wsx', '1qaz!qaz',
  'qazwsxedc', 'q1w2e3r4', 'q1w2e3r4t5', 'z123456', 'w123456', 's123456', 'l123456', 'q123456', 'qq5201314',
  'a5201314', '5201314520', '7758520', '584520', '520131', '1314', 'iloveyou520', 'loveme', 'love123', 'superstar',
  'killer', 'pokemon', 'naruto', 'sakura', 'hello520', 'ab123456', 'abc123abc', 'a11111', 'aaa111', 'aa112233',
  'zz123456', 'x123456', 'admin1234', 'administrator', 'system', 'manager', 'oracle', 'mysql', 'postgres', 'ubuntu',
  '88888888a', '11111111a', '1234abcd', 'abcd12345', 'password!', 'password@123', 'qwerty!', 'qwe!@#', '!@#$%^',
  '!@#$%^&*', '1q2w3e4r!', 'p@ssw0rd1', 'p@55w0rd', 'abc@123', 'abc@1234', 'admin@1234', 'root@123', 'test@123',
  'a123456!', 'aa123456!', '123456789a', '12345678a', '1234567a', '123123a', '123123123', '321321', '456456', '789789',
  '147147', '258258', '369258147', '112358', '1314520520', '5845201314', '9958', '9527', 'tiantian', 'xiaoxiao',
  'shishi', 'jiang123', 'wang123456', 'li123456', 'zhang123456', 'liu123456', 'chen123456', 'yang123456',
  'huang123456', 'zhao123456', 'zhou123456', 'wu123456', 'qiaoqiao', 'meimei', 'lili', 'xiaoming', 'xiaohong',
  'xiaoli', 'jiajia', 'haha123', 'hehe123', 'woaini521', 'wo123456', 'ai123456', 'ainiyiwan', 'yiwan1314', 'woaiwojia',
  'zhongguo123', 'china2008', 'beijing2008', 'love520', 'lovelove', 'abcabc', 'qweqwe', 'asdasd', 'zxczxc', 'qazqaz',
  '1a2b3c', '1a2b3c4d', 'a1s2d3f4', 'qwertyu', 'asdfghjk', 'zxcvbnm123', 'password12', 'passwd', 'mypassword',
  'mypass', 'iamgod', 'godblessyou', 'jesus', '66668888', '668899', '16881688', '6666666', '8888888', '1111111',
  '0000000', '7777777', '5555555', '2222222', '3333333', '4444444', '9999999', '000000000', '111111111',
]);
