/**
 * The most used passwords of eight characters or more (from public breach statistics),
 * lowercased. Passwords shorter than eight are refused anyway; these are refused too, as
 * are passwords of one repeated character or of whitespace only.
 */
const COMMON = `
12345678 123456789 1234567890 12345678910 0123456789 87654321 987654321 11111111 00000000
22222222 55555555 66666666 77777777 88888888 99999999 12341234 123123123 123412345 11223344
password password1 password12 password123 password1234 passw0rd p@ssword p@ssw0rd pa$$word
qwertyui qwertyuiop qwerty12 qwerty123 qwerty1234 qwe123qwe 123qweasd 1q2w3e4r 1q2w3e4r5t
q1w2e3r4 q1w2e3r4t5 1qaz2wsx 1qazxsw2 zaq12wsx zaq1zaq1 asdfghjk asdfghjkl asdf1234 zxcvbnm1
iloveyou iloveyou1 sunshine princess football baseball basketball welcome1 welcome123 abc12345
abcd1234 abcdefgh superman batman123 trustno1 letmein1 letmein123 starwars whatever michelle
jennifer computer corvette mercedes changeme changeme1 admin123 admin1234 administrator
default1 secret12 secret123 dragon12 monkey12 shadow12 master12 mustang1 jordan23 charlie1
liverpool chelsea1 arsenal1 pokemon1 minecraft princess1 loveyou1 lovely12 fuckyou1 internet
samsung1 google123 facebook whatsapp qazwsxedc qazwsx123 1234qwer qwer1234 test1234 testtest
user1234 guest123 hello123 helloworld welcome! summer2024 winter2024 spring2024 autumn2024
summer2025 winter2025 password! password2 password01 letmein! iloveu123 12qwaszx 147258369
159753456 741852963 963852741 123654789 789456123 18atcskd2w 3rjs1la7qe 1234567891 123456789a
a123456789 aa123456 aa12345678 abc123456 qwertyuiop123 q1w2e3r4t5y6 zxcvbnm123 asdasdasd
qweqweqwe 1q2w3e4r5t6y 1a2b3c4d 1234abcd kura1234 correcthorse
`
  .split(/\s+/)
  .filter(Boolean);

const SET = new Set(COMMON);

/** True for a password anyone would guess first. */
export function isCommonPassword(p: string): boolean {
  const lower = p.toLowerCase();
  if (SET.has(lower)) return true;
  if (p.trim() === '') return true;
  return [...p].every((c) => c === p[0]);
}
