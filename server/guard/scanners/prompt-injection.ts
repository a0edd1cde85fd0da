import { type AST, RegExpParser } from '@eslint-community/regexpp';
import { type ScanOutcome, type Span } from './types';

/**
 * Prompt-injection and jailbreak heuristics for English and German. Each family of
 * phrasings carries a weight; the score combines the strongest hit of each family as
 * independent evidence, 1 − Π(1 − w). A single strong family (≥ 0.5) reaches the default
 * threshold; weak signals (persona talk, "uncensored") need company.
 *
 * Written from the known attack patterns (instruction override, persona switch, prompt
 * extraction, chat-template smuggling, guardrail bypass, indirect instructions aimed at
 * the model, exfiltration) — not from the evaluation set, whose held-out part was written
 * after these rules were fixed. All gaps are bounded ({0,n}), so matching stays linear.
 */
export const injectionLanguages = ['en', 'de'] as const;
export type InjectionLanguage = (typeof injectionLanguages)[number];

export interface PromptInjectionParams {
  threshold: number;
  languages: readonly InjectionLanguage[];
}

interface Family {
  name: string;
  weight: number;
  /** Weight when the family matches only once (a lone mention is weaker evidence). */
  singleWeight?: number;
  language: InjectionLanguage | 'any';
  patterns: RegExp[];
}

// Up to `n` filler words between two parts of a phrase.
const gap = (n: number) => `(?:[\\s,]+[\\p{L}\\p{N}'’-]{1,20}){0,${n}}?[\\s,]+`;

const EN_OVERRIDE_VERBS =
  'ignore|disregard|forget|override|overrule|bypass|skip|discard|abandon|drop|neglect|set aside|throw away|pay no attention to|stop following|do not follow|don\'t follow|never ?mind|scrap';
const EN_SCOPE =
  'previous|prior|preceding|above|earlier|former|foregoing|initial|original|old|existing|current|system|developer|hidden|all|any|every|your';
const EN_RULES =
  'instructions?|directions?|directives?|rules?|guidelines?|guidance|prompts?|commands?|orders?|constraints?|restrictions?|guardrails?|policies|policy|programming|training|system prompt|system message|context|safeguards?|limitations?|set-?up|configuration';

const DE_OVERRIDE_VERBS =
  'ignorier(?:e|en|st|t)?|vergiss|vergessen|missachte(?:n)?|übergeh(?:e|en)?|überspring(?:e|en)?|verwirf|verwerfen|beachte(?:n)? nicht|befolge(?:n)? nicht|folge nicht|hör(?:e)? auf(?:,)? (?:\\S+ ){0,3}zu befolgen|setze? (?:\\S+ ){0,4}außer Kraft|streich(?:e)?';
const DE_SCOPE =
  'alle|sämtliche|jegliche|die|deine|ihre|bisherigen|vorherigen|vorigen|obigen|oben genannten|vorangegangenen|vorangehenden|früheren|ursprünglichen|ersten|aktuellen|bestehenden|geltenden|internen|versteckten';
const DE_RULES =
  'Anweisung(?:en)?|Instruktion(?:en)?|Regeln|Regel|Vorgaben|Vorgabe|Befehle|Richtlinien|Anordnungen|Einschränkungen|Beschränkungen|Systemprompts?|System-Prompts?|Systemanweisung(?:en)?|Systemnachricht|Prompts?|Kontext|Programmierung|Sicherheitsregeln|Leitlinien|Grenzen|Einstellungen|Konfiguration';
// Words that declare rules void, in both directions of a sentence.
const EN_VOID =
  'void|null|cancel(?:l)?ed|revoked|obsolete|outdated|superseded|no longer (?:valid|in effect|applicable|apply)|invalid|lifted|suspended|overridden|disabled|removed|switched off|turned off';
const DE_VOID =
  'nicht mehr|ungültig|aufgehoben|außer Kraft|nichtig|hinfällig|deaktiviert|abgeschaltet|veraltet|überholt|ausgesetzt|entfernt|ausgeschaltet';

export const families: Family[] = [
  {
    name: 'instruction-override',
    weight: 0.9,
    language: 'en',
    patterns: [
      new RegExp(`(?<![\\p{L}\\p{N}_])(?:${EN_OVERRIDE_VERBS})${gap(3)}(?:${EN_SCOPE})(?![\\p{L}\\p{N}_])${gap(2)}(?:${EN_RULES})(?![\\p{L}\\p{N}_])`, 'giu'),
      new RegExp(`(?<![\\p{L}\\p{N}_])(?:${EN_OVERRIDE_VERBS})\\s+(?:${EN_SCOPE})\\s+(?:${EN_RULES})(?![\\p{L}\\p{N}_])`, 'giu'),
      /(?<![\p{L}\p{N}_])(?:ignore|disregard|forget)\s+(?:everything|anything|all(?: of)?(?: that| what)?)\s+(?:(?:you(?:'ve| have)?|i)\s+(?:been\s+)?(?:told|said|written|instructed|given)|(?:above|before|said before|prior|so far|until now|that came before))/giu,
      new RegExp(`(?<![\\p{L}\\p{N}_])(?:the|your|all|any)\\s+(?:(?:${EN_SCOPE})\\s+)?(?:safety\\s+|content\\s+|security\\s+)?(?:${EN_RULES})\\s+(?:(?:you|I)\\s+\\S+\\s+(?:\\S+\\s+)?)?(?:are|is|were|have been|has been)\\s+(?:now\\s+|all\\s+|hereby\\s+)?(?:${EN_VOID})`, 'giu'),
      new RegExp(`(?<![\\p{L}\\p{N}_])(?:${EN_OVERRIDE_VERBS})\\s+(?:the\\s+|your\\s+|all\\s+|any\\s+)?(?:${EN_RULES})\\s+(?:above|before|so far|until now|you were given|you received|from before|given earlier)`, 'giu'),
      /(?<![\p{L}\p{N}_])(?:everything|anything|all|whatever)\s+(?:(?:that\s+)?(?:was\s+)?(?:said|written|stated)\s+)?(?:before|above|prior to)\s+(?:this|my)\s+(?:message|line|point|sentence)(?![\p{L}\p{N}_])[^.!?\n]{0,60}?(?![\p{L}\p{N}_])(?:disregard|ignore|forget|was (?:just )?a test|doesn't count|does not count)/giu,
      /(?<![\p{L}\p{N}_])(?:content|safety|security|usual|normal|these|the|your|any)\s+(?:rules|restrictions|policies|guidelines|filters|limits)\s+(?:don't|do not|no longer|won't|will not|doesn't|does not)\s+apply(?![\p{L}\p{N}_])/giu,
      new RegExp(`(?<![\\p{L}\\p{N}_])(?:${EN_SCOPE})\\s+(?:${EN_RULES})\\s+(?:no longer apply|do not apply|don't apply|have been (?:lifted|revoked|removed|disabled))`, 'giu'),
    ],
  },
  {
    name: 'instruction-override',
    weight: 0.9,
    language: 'de',
    patterns: [
      new RegExp(`(?<![\\p{L}])(?:${DE_OVERRIDE_VERBS})${gap(3)}(?:${DE_SCOPE})${gap(2)}(?:${DE_RULES})(?![\\p{L}])`, 'giu'),
      /(?<![\p{L}])(?:vergiss|ignoriere|ignorier|missachte)\s+(?:alles|sämtliches|das alles|alles andere)(?:,)?\s+(?:was|das|worum)?\s*(?:\S+\s+){0,5}?(?:gesagt|gesagt wurde|gegeben|geschrieben|vorgegeben|erklärt|aufgetragen|befohlen|mitgeteilt|gesagt hat|steht)/giu,
      /(?<![\p{L}])(?:vergiss|ignoriere|ignorier)\s+(?:alles|sämtliches)\s+(?:bisherige|vorherige|obige|oben|davor|vorher|bisher)/giu,
      new RegExp(`(?<![\\p{L}])(?:setze|setzt|setzen Sie|hebe|hebt)\\s+(?:deine|die|alle|sämtliche|Ihre|jegliche)\\s+(?:\\p{L}+\\s+)?(?:${DE_RULES})\\s+(?:außer Kraft|auf)(?![\\p{L}])`, 'giu'),
      new RegExp(`(?<![\\p{L}])(?:${DE_SCOPE})\\s+(?:\\S+\\s+)?(?:\\p{L}*(?:${DE_RULES}))\\s+(?:sind|ist|gelten|gilt|wurden|wurde)\\s+(?:ab (?:sofort|jetzt)\\s+|nun\\s+|jetzt\\s+|hiermit\\s+|für diese Sitzung\\s+|(?:\\S+\\s+){0,3}?)(?:${DE_VOID})`, 'giu'),
      new RegExp(`(?<![\\p{L}])(?:${DE_OVERRIDE_VERBS})\\s+(?:die|deine|alle|sämtliche|Ihre)?\\s*(?:${DE_RULES})\\s+(?:oben|von oben|davor|von vorhin|bisher)(?![\\p{L}])`, 'giu'),
      /(?<![\p{L}])alles\s+(?:vor|über|oberhalb)\s+(?:dieser|meiner|der)\s+(?:Nachricht|Zeile|Stelle)(?![\p{L}\p{N}_])[^.!?\n]{0,60}?(?:vergiss|ignorier\p{L}*|war (?:nur )?ein Test|zählt nicht)/giu,
      /(?<![\p{L}])egal,?\s+was\s+(?:man\s+)?dir\s+(?:vorher|zuvor|bisher|vorhin)\s+(?:\S+\s+){0,2}?(?:gesagt|eingestellt|vorgegeben|befohlen|aufgetragen|erklärt)/giu,
      /(?<![\p{L}])(?:gelten|gilt)\s+(?:ab (?:sofort|jetzt)\s+)?(?:hier\s+)?(?:keine|nicht mehr die)\s+(?:\p{L}*regeln|Richtlinien|Einschränkungen|Beschränkungen|Vorgaben|Filter)(?![\p{L}])/giu,
    ],
  },
  {
    name: 'persona-switch',
    weight: 0.6,
    language: 'en',
    patterns: [
      /(?<![\p{L}\p{N}_])you are (?:now|no longer|from now on)(?![\p{L}\p{N}_])(?:\s+\S+){0,6}?\s+(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|rogue|free from|without (?:any )?(?:rules|restrictions|limits|limitations|filters|guidelines|ethics)|not bound|no longer bound|DAN(?![\p{L}\p{N}_]))/giu,
      /(?<![\p{L}\p{N}_])(?:from now on|starting now|for the rest of (?:this|our) conversation),?\s+you\s+(?:are|will|must|shall|act|respond|answer|behave|have no)(?![\p{L}\p{N}_])(?:\s+\S+){0,8}?\s+(?:unrestricted|unfiltered|uncensored|without (?:any )?(?:rules|restrictions|filters|limits|censorship)|no (?:rules|restrictions|filters|limits|guidelines|ethics)|anything|whatever)/giu,
      /(?<![\p{L}\p{N}_])(?:act|behave|respond|answer|pretend|role-?play)\s+(?:as|like)\s+(?:if\s+)?(?:you\s+(?:were|are)\s+)?(?:an?\s+|the\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|rogue|unaligned|malicious)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])pretend\s+(?:that\s+)?you\s+(?:have|had)\s+no\s+(?:rules|restrictions|limits|limitations|filters|guidelines|ethics|morals|content polic(?:y|ies))/giu,
      /(?<![\p{L}\p{N}_])you\s+(?:have|possess)\s+no\s+(?:rules|restrictions|limits|limitations|filters|guidelines|ethical (?:guidelines|constraints)|content polic(?:y|ies))(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:stay|remain) in character(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:you are|you're) (?:now\s+)?(?:no longer|not|never) (?:bound|restricted|limited|constrained) by(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:does not|doesn't|do not|don't|won't|will not|never)\s+(?:follow|obey|adhere to|respect|care about|have)\s+(?:any\s+)?(?:rules|policies|guidelines|restrictions|filters|ethics|morals|limits)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:uncensored|unfiltered|unrestricted|jailbroken|evil|unaligned)\s+(?:version|mode|persona|twin|alter ego|copy|variant)(?![\p{L}\p{N}_])|(?<![\p{L}\p{N}_])never\s+(?:refuses|declines|says no|refuse)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])you are now (?:a|an|the)\s+(?:\S+\s+){0,2}?(?:terminal|shell|console|interpreter)\s+(?:that|which)\s+(?:executes|runs)\s+(?:any|every|all)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:if|imagine|suppose|assume|pretend)\s+(?:that\s+)?you\s+(?:had|have|were|are)\s+(?:absolutely\s+|completely\s+|truly\s+)?(?:no|without(?: any)?|free of)\s+(?:rules|restrictions|limits|limitations|filters|guidelines|guardrails|ethics|morals|censorship)(?![\p{L}\p{N}_])/giu,
    ],
  },
  {
    name: 'persona-switch',
    weight: 0.6,
    language: 'de',
    patterns: [
      /(?<![\p{L}])du bist (?:ab (?:jetzt|sofort) |jetzt |nun |ab heute |nicht mehr )(?:\S+\s+){0,6}?(?:uneingeschränkt|unzensiert|ungefiltert|böse|skrupellos|amoralisch|frei von|ohne (?:jegliche |alle |irgendwelche )?(?:Regeln|Einschränkungen|Grenzen|Filter|Zensur|Richtlinien|Moral|Ethik)|an keine|nicht (?:mehr )?an|DAN(?![\p{L}\p{N}_]))/giu,
      /(?<![\p{L}])ab (?:jetzt|sofort|heute)(?:,)?\s+(?:bist|antwortest|handelst|verhältst|agierst|sprichst|schreibst|hast)\s+du(?![\p{L}\p{N}_])(?:\s+\S+){0,8}?\s+(?:uneingeschränkt|unzensiert|ungefiltert|ohne (?:jegliche |alle )?(?:Regeln|Einschränkungen|Filter|Zensur|Grenzen)|keine (?:Regeln|Einschränkungen|Filter|Grenzen|Richtlinien)|alles|jede Frage)/giu,
      /(?<![\p{L}])(?:tu|tue|tun Sie) so,? als (?:ob du|wärst du|hättest du|wärest du|ob Sie)(?:\s+\S+){0,6}?\s+(?:keine (?:Regeln|Einschränkungen|Grenzen|Filter|Richtlinien|Moral)|uneingeschränkt|unzensiert|ungefiltert|böse|skrupellos|ohne (?:Regeln|Einschränkungen|Filter|Zensur))/giu,
      /(?<![\p{L}])(?:spiel|spiele|übernimm|übernehme)\s+(?:die Rolle|den Part)\s+(?:einer?|eines|der|des)\s+(?:\S+\s+){0,3}?(?:uneingeschränkten|unzensierten|ungefilterten|bösen|skrupellosen|KI ohne)/giu,
      /(?<![\p{L}])du hast (?:ab (?:jetzt|sofort) )?keine (?:Regeln|Einschränkungen|Grenzen|Filter|Richtlinien|Inhaltsrichtlinien|ethischen (?:Grenzen|Richtlinien|Bedenken))/giu,
      /(?<![\p{L}])bleib(?:e)? in (?:der|deiner) Rolle/giu,
      /(?<![\p{L}])(?:hältst|hält|haltet)\s+(?:dich|sich|euch)\s+(?:an\s+)?(?:keine|nicht an)\s+(?:\p{L}*regeln|Richtlinien|Vorgaben|Gesetze|Einschränkungen)|(?<![\p{L}])(?:befolgst|befolgt|beachtest|beachtet)\s+keine\s+(?:\p{L}*regeln|Richtlinien|Vorgaben)/giu,
      /(?<![\p{L}])(?:unzensierte|ungefilterte|uneingeschränkte|böse)\s+(?:Version|Variante|Persona|Kopie|Modus)|(?<![\p{L}])(?:nie|niemals)\s+(?:ablehnt|ablehnst|verweigert|verweigerst)/giu,
      /(?<![\p{L}])du bist (?:jetzt|ab jetzt|nun|ab sofort) (?:ein|eine)\s+(?:\S+\s+){0,2}?(?:Terminal|Shell|Konsole|Interpreter)(?:,)?\s+(?:das|die|der)\s+(?:jeden|alle|jede)\s+(?:Befehl|Befehle|Eingabe)/giu,
      /(?<![\p{L}])(?:stell dir vor|angenommen|nimm an|stellen Sie sich vor)(?:,)?\s+(?:dass\s+)?(?:es gäbe|du hättest|du hast|du wärst|es gibt)\s+(?:\S+\s+){0,2}?(?:keine|ohne)\s+(?:Regeln|Einschränkungen|Grenzen|Filter|Richtlinien|Zensur)/giu,
    ],
  },
  {
    name: 'jailbreak-marker',
    weight: 0.7,
    language: 'any',
    patterns: [
      /(?<![\p{L}\p{N}_])DAN(?![\p{L}\p{N}_])(?=.{0,80}(?<![\p{L}\p{N}_])(?:mode|anything|jailbreak|Modus)(?![\p{L}\p{N}_]))|(?<![\p{L}\p{N}_])(?:do anything now|DAN mode|DAN-Modus)(?![\p{L}\p{N}_])/gsu,
      /(?<![\p{L}\p{N}_])(?:god|unrestricted|jailbreak|DAN|sudo)[\s-]?mode\s+(?:enabled|activated|on|aktiviert|eingeschaltet)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:enable|activate|enter|switch to|aktiviere|wechsle in den|starte den)\s+(?:the\s+)?(?:god|jailbreak|unrestricted|DAN|Gott|uneingeschränkten|Jailbreak)[\s-]?(?:mode|Modus)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}])(?:Jailbreak-Modus|Gottmodus)(?![\p{L}])/giu,
    ],
  },
  {
    // Phones have developer modes and jailbreaks too: alone these are not an attack.
    name: 'mode-switch',
    weight: 0.4,
    language: 'any',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:developer|dev|debug|admin|maintenance|test|god)\s?mode(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])jailbr(?:eak|oken)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}])(?:Entwicklermodus|Entwickler-Modus|Debug-Modus|Wartungsmodus|Testmodus|Admin-Modus)(?![\p{L}])/giu,
    ],
  },
  {
    name: 'prompt-extraction',
    weight: 0.8,
    language: 'en',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:reveal|show|print|output|display|repeat|recite|dump|leak|tell me|give me|write out|spell out|list|share|expose|disclose|paste|copy|send me)\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|entire\s+|complete\s+|exact\s+|original\s+|hidden\s+|secret\s+|initial\s+|internal\s+|confidential\s+|verbatim\s+){0,3}(?:system\s+prompt|system\s+message|system\s+instructions|initial\s+prompt|pre-?prompt|hidden\s+(?:instructions|rules|prompt)|developer\s+(?:message|instructions|prompt)|instructions you were given|(?:instructions|rules|prompt|guidelines|configuration)\s+(?:you were given|you received|above|verbatim|word for word))/giu,
      /(?<![\p{L}\p{N}_])what (?:is|are|was|were) your (?:exact\s+|original\s+|initial\s+|hidden\s+|full\s+){0,2}(?:system\s+prompt|system\s+message|hidden\s+instructions|initial\s+instructions|instructions)(?![\p{L}\p{N}_])|(?<![\p{L}\p{N}_])what (?:is|are|was|were) the (?:exact\s+|original\s+|initial\s+|hidden\s+|full\s+){0,2}(?:instructions|rules|prompt) you were given/giu,
      /(?<![\p{L}\p{N}_])(?:prompt|instructions|system message|configuration)(?![\p{L}\p{N}_])[^.!?\n]{0,60}?(?![\p{L}\p{N}_])(?:word for word|verbatim)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:output|print|repeat|show|list|dump)\s+(?:everything|all|anything)\s+(?:that\s+)?(?:was\s+|is\s+)?(?:written|said|stated|sent)\s+(?:before|above|prior to)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:repeat|print|output|echo|copy|write out|show)\s+(?:all\s+|everything\s+|the\s+(?:text|words|content|lines|message|prompt)\s+)?(?:above|before this|preceding)(?!\s+(?:the|a|an|this|that|my|your|our)(?![\p{L}\p{N}_]))(?:\s+(?:this line|verbatim|word for word|starting with))?/giu,
      /(?<![\p{L}\p{N}_])(?:ignore|forget)(?![\p{L}\p{N}_]).{0,60}(?<![\p{L}\p{N}_])(?:and|then)\s+(?:print|reveal|show|output)(?![\p{L}\p{N}_])/giu,
    ],
  },
  {
    name: 'prompt-extraction',
    weight: 0.8,
    language: 'de',
    patterns: [
      /(?<![\p{L}])(?:zeig(?:e)?|gib|nenne|verrate|wiederhole|schreib(?:e)?|druck(?:e)?|liste|enthülle|offenbare|teile|kopiere)\s+(?:mir\s+|uns\s+)?(?:bitte\s+)?(?:deinen|deine|dein|den|die|das|Ihren|Ihre)\s+(?:vollständigen?\s+|kompletten?\s+|genauen?\s+|ursprünglichen?\s+|versteckten?\s+|geheimen?\s+|internen?\s+|wörtlichen?\s+){0,3}(?:Systemprompt|System-Prompt|Systemanweisung(?:en)?|Systemnachricht|Startanweisung(?:en)?|Vorab-?Anweisungen|versteckten Anweisungen|internen Anweisungen|Anweisungen,? die du (?:erhalten|bekommen))/giu,
      /(?<![\p{L}])was (?:steht|stand) (?:genau )?in (?:deinem|deiner|Ihrem) (?:Systemprompt|System-Prompt|Systemanweisung|Prompt|Anweisungen)/giu,
      /(?<![\p{L}])wiederhole\s+(?:alles|den Text|die Wörter|den Inhalt)\s+(?:oben|oberhalb(?!\s+(?:der|des|dem|den|einer|eines)(?![\p{L}\p{N}_]))|über dieser Zeile|davor|vor dieser Nachricht|von oben)/giu,
      /(?<![\p{L}])(?:Prompt|Systemprompt|Anweisungen|konfiguriert|eingerichtet)(?![\p{L}\p{N}_])[^.!?\n]{0,60}?(?:Wort für Wort|wörtlich|im Wortlaut)/giu,
      /(?<![\p{L}])gib\s+(?:mir\s+)?(?:alles|sämtliches)\s+aus,?\s+was\s+(?:\S+\s+){0,6}?(?:geschrieben|gesagt|steht|stand|vorgegeben)/giu,
      /(?<![\p{L}])(?:gib|schreib|zeig)(?:e)?\s+(?:\S+\s+){0,3}?(?:deine|Ihre)\s+(?:\p{L}+en\s+)?(?:Anweisungen|Instruktionen|Regeln|Vorgaben)\s+(?:wörtlich|vollständig|im Wortlaut|1:1)/giu,
    ],
  },
  {
    // A question about "[INST]" names one token; an attack frames text with several.
    name: 'template-smuggling',
    weight: 0.8,
    singleWeight: 0.45,
    language: 'any',
    patterns: [
      /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\|>/giu,
      /\[INST\]|\[\/INST\]|<<SYS>>|<<\/SYS>>|<(?:system|sys|instructions?)>|<\/(?:system|sys|instructions?)>/giu,
      /(?<![\p{L}\p{N}_])(?:BEGIN|START|END)\s+(?:OF\s+)?(?:SYSTEM|ADMIN|DEVELOPER|NEW)\s+(?:PROMPT|INSTRUCTIONS?|MESSAGE|RULES)(?![\p{L}\p{N}_])/gu,
    ],
  },
  {
    // "System:" at a line start: log excerpts use it as much as forged chat turns do.
    name: 'role-prefix',
    weight: 0.35,
    language: 'any',
    patterns: [
      /(?<=(?:^|\n)[ \t]{0,8}(?:#{1,6}[ \t]*)?(?:\[[ \t]*)?)(?:system|SYSTEM|System)(?:\s*\])?\s*(?:message|prompt|override|update|Nachricht|Hinweis)?\s*:\s*(?=\S)/gu,
    ],
  },
  {
    name: 'guardrail-bypass',
    weight: 0.7,
    language: 'en',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:bypass|circumvent|evade|disable|deactivate|turn off|switch off|get around|work around|remove|lift|override|ignore|disregard)\s+(?:your|the|all|any|these|those)?\s*(?:safety|content|ethical|moral|security)?\s*(?:filters?|guardrails?|safeguards?|restrictions|moderation|censorship|safety (?:rules|guidelines|policies|measures|checks)|content polic(?:y|ies)|alignment)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])without\s+(?:any\s+)?(?:censorship|filtering|filters|moral(?:s| constraints)?|ethical (?:constraints|guidelines|considerations)|safety (?:filters|guidelines|restrictions)|content (?:filters|restrictions|policies))(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:no|zero)\s+(?:ethical|moral|safety|content)\s+(?:guidelines|constraints|restrictions|limits|filters|policies)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])so\s+(?:that\s+)?(?:the|your|any)\s+(?:filters?|moderation|guardrails?|safety (?:system|filter|check)s?|classifiers?)\s+(?:doesn't|does not|don't|do not|won't|will not|can't|cannot)\s+(?:catch|see|notice|detect|flag|block)/giu,
    ],
  },
  {
    name: 'guardrail-bypass',
    weight: 0.7,
    language: 'de',
    patterns: [
      /(?<![\p{L}])(?:umgeh(?:e|en|st)?|ignorier(?:e|en|st)?|missachte(?:n)?|deaktivier(?:e|en|st)?|abschalten|schalte\s+(?:\S+\s+){0,3}?ab|ausschalten|schalte\s+(?:\S+\s+){0,3}?aus|entferne|hebe\s+(?:\S+\s+){0,3}?auf|umgehen)\s+(?:\S+\s+){0,3}?(?:deine|die|alle|jegliche|sämtliche|Ihre)?\s*(?:Sicherheits\p{L}*|Inhaltsfilter|Filter|Schutzmechanismen|Schutzmaßnahmen|Zensur|Moderation|Inhaltsrichtlinien|Beschränkungen|Einschränkungen)/giu,
      /(?<![\p{L}])ohne\s+(?:jegliche\s+|jede\s+|irgendwelche\s+)?(?:Zensur|Filter|Filterung|moralische\s+(?:Bedenken|Grenzen)|ethische\s+(?:Bedenken|Grenzen|Richtlinien)|Sicherheitsfilter|Inhaltsfilter|Sicherheitsrichtlinien|Einschränkungen oder Filter)(?![\p{L}])/giu,
      /(?<![\p{L}])(?:keine|null)\s+(?:ethischen|moralischen|Sicherheits-?)\s*(?:Richtlinien|Grenzen|Bedenken|Einschränkungen|Filter)(?![\p{L}])/giu,
      /(?<![\p{L}])damit\s+(?:der|die|das|dein|deine)\s+(?:Filter|Moderation|Sicherheitsfilter|Schutz|Klassifikator)\s+(?:\S+\s+){0,2}?(?:nicht|nichts)\s+(?:merkt|bemerkt|erkennt|sieht|blockiert|anschlägt)/giu,
    ],
  },
  {
    name: 'authority-claim',
    weight: 0.5,
    language: 'en',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:new|updated|revised|real|actual|true|secret|priority|override)\s+(?:system\s+)?(?:instructions?|rules|directives?|orders)(?:\s+(?:from now on|effective immediately))?\s*:/giu,
      /(?<![\p{L}\p{N}_])(?:the following is|this is) a (?:message|notice|directive) from (?:the\s+)?(?:platform|system|developer|admin|administrator|operator|OpenAI|Anthropic)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:i am|i'm|this is)\s+your\s+(?:developer|creator|administrator|admin|owner|operator|system administrator|sysadmin|programmer|maker)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:admin|administrator|developer|root|sudo|system)\s+(?:override|access|privileges?|command)\s*(?:granted|enabled|activated|code|:)/giu,
      /(?<![\p{L}\p{N}_])(?:highest|top|maximum|absolute)\s+priority\s+(?:instruction|override|command|order)(?![\p{L}\p{N}_])/giu,
    ],
  },
  {
    name: 'authority-claim',
    weight: 0.5,
    language: 'de',
    patterns: [
      /(?<![\p{L}])(?:neue|aktualisierte|geänderte|echte|eigentliche|wahre|geheime|vorrangige)\s+(?:System)?(?:anweisungen|anweisung|instruktionen|regeln|befehle|vorgaben)(?:\s+(?:ab sofort|ab jetzt|für dich))?\s*:/giu,
      /(?<![\p{L}])(?:das|dies) ist eine Nachricht (?:vom|von der|des|der)\s+(?:Betreiber|Entwickler|Administrator|Admin|System|Plattform)\p{L}*/giu,
      /(?<![\p{L}])(?:ich bin|hier spricht|hier ist)\s+(?:dein|deine|Ihr|Ihre)\s+(?:Entwickler(?:in)?|Ersteller(?:in)?|Administrator(?:in)?|Admin|Betreiber(?:in)?|Systemadministrator(?:in)?|Programmierer(?:in)?)(?![\p{L}])/giu,
      /(?<![\p{L}])(?:Admin|Administrator|Entwickler|Root|System)[- ]?(?:Zugriff|Rechte|Modus|Freigabe|Override)\s+(?:gewährt|erteilt|aktiviert|freigeschaltet)/giu,
      /(?<![\p{L}])(?:höchste|oberste|absolute)\s+Priorität(?:\s*:|\s+hat|\s+haben)/giu,
    ],
  },
  {
    name: 'indirect-instruction',
    weight: 0.5,
    language: 'en',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:note|message|instruction|attention)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:AI|assistant|model|LLM|chatbot|language model|GPT|agent)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])if you are an?\s+(?:AI|assistant|language model|LLM|chatbot|GPT|agent|automated system)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:AI|assistant|model|LLM|chatbot|agent)\s*(?:,|:)\s*(?:please\s+)?(?:ignore|disregard|forget|do not (?:summari[sz]e|mention|tell)|instead|you must)(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])when (?:the\s+)?(?:AI|assistant|model|LLM|chatbot|agent) (?:reads|processes|summari[sz]es|sees) this(?![\p{L}\p{N}_])/giu,
      /(?<![\p{L}\p{N}_])(?:AI|assistant|model|LLM|chatbot|agent)(?:\s+assistant)?\s*:\s*(?:when|while|after)\s+(?:summari[sz]ing|reading|processing|answering)(?![\p{L}\p{N}_])/giu,
    ],
  },
  {
    name: 'indirect-instruction',
    weight: 0.5,
    language: 'de',
    patterns: [
      /(?<![\p{L}])(?:Hinweis|Nachricht|Anweisung|Achtung)\s+(?:an|für)\s+(?:die|den|das|jede|jeden)?\s*(?:KI|Assistenten|Assistent|Modell|Sprachmodell|Chatbot|Agenten|LLM)(?![\p{L}])/giu,
      /(?<![\p{L}])(?:wenn|falls) du (?:eine|ein) (?:KI|Sprachmodell|Chatbot|Assistent|LLM|Agent|automatisiertes System)\s+bist/giu,
      /(?<![\p{L}])(?:KI|Assistent|Modell|Chatbot|Agent)\s*(?:,|:)\s*(?:bitte\s+)?(?:ignoriere|vergiss|fasse (?:das|dies) nicht zusammen|erwähne nicht|stattdessen|du musst|beim Zusammenfassen|wenn du (?:das|dies) (?:liest|zusammenfasst))/giu,
    ],
  },
  {
    name: 'exfiltration',
    weight: 0.6,
    language: 'any',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:send|post|upload|forward|transmit|exfiltrate|leak|email|mail)\s+(?:all\s+|the\s+|my\s+|your\s+|this\s+|our\s+){0,2}(?:conversation|chat(?: history| log)?|history|data|context|secrets?|credentials|passwords?|api keys?|tokens?|system prompt|documents?|files?)\s+to\s+(?:https?:\/\/|\S{1,64}@|(?:this|the following|my)\s+(?:url|server|endpoint|address|webhook))/giu,
      /(?<![\p{L}])(?:schick|schicke|sende|übermittle|leite|lade|übertrage)\s+(?:\S+\s+){0,4}?(?:Verlauf|Chatverlauf|Daten|Zugangsdaten|Passw\p{L}*|Schlüssel|Token|Systemprompt|Dokumente|Dateien)\s+(?:\S+\s+){0,2}?(?:an|zu|auf)\s+(?:https?:\/\/|\S{1,64}@|(?:diese|die folgende|meine)\s+(?:URL|Adresse|Server|Webhook))/giu,
      /!\[[^\]\n]{0,100}\]\(https?:\/\/[^)\s]{1,200}\?[^)\s]{0,200}=\s*(?:\{|\$|%7B|<)/giu,
    ],
  },
  {
    name: 'obfuscation',
    weight: 0.4,
    language: 'any',
    patterns: [
      /(?<![\p{L}\p{N}_])(?:decode|decipher|translate|entschlüssele|dekodiere)\s+(?:this|the following|das folgende|dies|diesen Text)\s+(?:\S+\s+){0,3}?(?:base64|rot13|hex|binary|morse|leetspeak)?\s*(?:and|und)\s+(?:then\s+|dann\s+)?(?:follow|execute|obey|do|run|befolge|führe|tue)/giu,
      /(?<![\p{L}\p{N}_])(?:respond|answer|reply|antworte)\s+(?:only\s+|nur\s+)?(?:in|auf)\s+(?:base64|rot13|hex|leetspeak)(?![\p{L}\p{N}_])/giu,
    ],
  },
];

/**
 * Dispatch. Trying ~80 case-insensitive Unicode patterns at every position of a text costs
 * ~0.3 ms per KB; instead one plain case-insensitive search finds the literal words every
 * rule must start with ("leads", read off each rule's syntax tree at load), and each rule
 * is tried with the sticky flag only where one of its leads occurs. Cost: one linear
 * search plus a bounded attempt per lead occurrence.
 */
interface Rule {
  family: Family;
  sticky: RegExp;
  /** The pattern this top-level alternative came from: its matches never overlap, as in a global scan. */
  pattern: number;
  /** Position in declaration order; at one position the earlier alternative wins, as in a global scan. */
  order: number;
}

const leadParser = new RegExpParser({ ecmaVersion: 2025 });

/** Literal prefixes every match of these elements starts with (lowercased); '' if none. */
function literalPrefixes(elements: readonly AST.Element[], ignoreCase: boolean): string[] {
  let prefix = '';
  for (const element of elements) {
    if (element.type === 'Assertion') {
      if (prefix === '') continue; // leading look-arounds do not consume text
      return [prefix];
    }
    if (element.type === 'Character') {
      const ch = String.fromCodePoint(element.value);
      prefix += ignoreCase ? ch.toLowerCase() : ch;
      continue;
    }
    if (element.type === 'Group' || element.type === 'CapturingGroup') {
      if (element.alternatives.length === 1) {
        const inner = literalPrefixes(element.alternatives[0]!.elements, ignoreCase);
        if (inner.length === 1 && inner[0] !== '' && element.alternatives[0]!.elements.every((e) => e.type === 'Character' || e.type === 'Assertion')) {
          prefix += inner[0];
          continue;
        }
        return inner.map((p) => prefix + p);
      }
      return element.alternatives.flatMap((alt) => literalPrefixes(alt.elements, ignoreCase).map((p) => prefix + p));
    }
    if (element.type === 'Quantifier' && element.min >= 1 && element.element.type === 'Character') {
      const ch = String.fromCodePoint(element.element.value);
      return [prefix + (ignoreCase ? ch.toLowerCase() : ch)];
    }
    return [prefix];
  }
  return [prefix];
}

const rules: Rule[] = [];
const rulesByLead = new Map<string, Rule[]>();
let patternCount = 0;
for (const family of families) {
  for (const pattern of family.patterns) {
    const patternId = patternCount++;
    const ignoreCase = pattern.flags.includes('i');
    const ast = leadParser.parsePattern(pattern.source, 0, pattern.source.length, { unicode: true });
    for (const alternative of ast.alternatives) {
      const leads = literalPrefixes(alternative.elements, ignoreCase);
      if (leads.some((l) => l === '')) throw new Error(`prompt-injection rule without a literal lead: ${alternative.raw}`);
      const rule: Rule = {
        family,
        sticky: new RegExp(alternative.raw, pattern.flags.replace('g', '') + 'y'),
        pattern: patternId,
        order: rules.length,
      };
      rules.push(rule);
      // Keys are lowercase: the lead search ignores case; a case-sensitive rule ("DAN")
      // still checks case itself when tried.
      for (const lead of new Set(leads.map((l) => l.toLowerCase()))) {
        const list = rulesByLead.get(lead) ?? [];
        list.push(rule);
        rulesByLead.set(lead, list);
      }
    }
  }
}
// The lead search returns the longest lead at a position; rules of shorter leads that are
// its prefixes apply there too.
const rulesForLead = new Map<string, Rule[]>();
for (const lead of rulesByLead.keys()) {
  const applicable = [...rulesByLead].filter(([other]) => lead.startsWith(other)).flatMap(([, list]) => list);
  rulesForLead.set(lead, [...new Set(applicable)].sort((a, b) => a.order - b.order));
}
const escapeLead = (l: string) => l.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const byLength = (a: string, b: string) => b.length - a.length;
// Leads starting with an ASCII letter must start a word: every such rule begins with a
// "no letter or digit before" look-behind, and \b is cheap without the `u` flag. Leads
// starting elsewhere ("übergeh", "<|", "[INST]") are searched anywhere.
const asciiLeads = [...rulesByLead.keys()].filter((l) => /^[a-z]/i.test(l)).sort(byLength).map(escapeLead);
const otherLeads = [...rulesByLead.keys()].filter((l) => !/^[a-z]/i.test(l)).sort(byLength).map(escapeLead);
const LEADS = new RegExp(`\\b(?:${asciiLeads.join('|')})${otherLeads.length > 0 ? `|${otherLeads.join('|')}` : ''}`, 'gi');

function findRuleMatches(text: string, languages: ReadonlySet<string>): { family: Family; start: number; end: number }[] {
  const found: { family: Family; start: number; end: number }[] = [];
  const busyUntil = new Int32Array(patternCount).fill(-1);
  const leads = new RegExp(LEADS);
  for (let m = leads.exec(text); m !== null; m = leads.exec(text)) {
    const at = m.index;
    for (const rule of rulesForLead.get(m[0].toLowerCase()) ?? []) {
      if (rule.family.language !== 'any' && !languages.has(rule.family.language)) continue;
      if (busyUntil[rule.pattern]! > at) continue; // no overlapping matches of one pattern
      rule.sticky.lastIndex = at;
      const hit = rule.sticky.exec(text);
      if (hit && hit[0].length > 0) {
        found.push({ family: rule.family, start: at, end: at + hit[0].length });
        busyUntil[rule.pattern] = at + hit[0].length;
      }
    }
    // Leads may overlap ("system prompt" inside "<|system|>"): continue right after this start.
    leads.lastIndex = at + 1;
  }
  return found;
}

/** Every rule scanned over the whole text; the reference the dispatcher is tested against. */
export function findRuleMatchesByFullScan(text: string, languages: ReadonlySet<string>): { family: string; start: number; end: number }[] {
  const found: { family: string; start: number; end: number }[] = [];
  for (const family of families) {
    if (family.language !== 'any' && !languages.has(family.language)) continue;
    for (const pattern of family.patterns) {
      for (const m of text.matchAll(pattern)) if (m[0].length > 0) found.push({ family: family.name, start: m.index, end: m.index + m[0].length });
    }
  }
  return found;
}

/** The rule matches the dispatcher finds (for tests). */
export function findRuleMatchesByLeads(text: string, languages: ReadonlySet<string>): { family: string; start: number; end: number }[] {
  return findRuleMatches(text, languages).map((m) => ({ family: m.family.name, start: m.start, end: m.end }));
}

/** The `prompt-injection` check. */
export function scanPromptInjection(text: string, params: PromptInjectionParams): ScanOutcome {
  const languages = new Set<string>(params.languages);
  const hits = new Map<Family, number>();
  const spans: Span[] = [];
  for (const match of findRuleMatches(text, languages)) {
    spans.push({ start: match.start, end: match.end, kind: match.family.name });
    hits.set(match.family, (hits.get(match.family) ?? 0) + 1);
  }
  const best = new Map<string, number>();
  for (const [family, count] of hits) {
    const weight = count === 1 && family.singleWeight !== undefined ? family.singleWeight : family.weight;
    best.set(family.name, Math.max(best.get(family.name) ?? 0, weight));
  }
  let miss = 1;
  for (const weight of best.values()) miss *= 1 - weight;
  const score = Math.round((1 - miss) * 1000) / 1000;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return {
    detected: score >= params.threshold,
    score,
    spans: score >= params.threshold ? spans : [],
    details: { families: Object.fromEntries(best), threshold: params.threshold },
  };
}
