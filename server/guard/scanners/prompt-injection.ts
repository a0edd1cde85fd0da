import type * as Regexpp from '@eslint-community/regexpp';
import type { AST } from '@eslint-community/regexpp';
import { lazyModule } from '../../core/lazy';
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
  /** A cue family scores nothing alone unless `weight` > 0; `cuePairs` combine cues. */
  cue?: boolean;
  /**
   * A cue made of common words ("show", "rules", "Sicherheit"): not searched in the whole
   * text, only near the rarer cues it pairs with (see `findPartnerCues`).
   */
  partnerOnly?: boolean;
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

// Common-word cues, looked for only within a pair's window of a rarer cue (they have weight
// 0 and score nothing alone).
const PARTNER_ONLY = new Set(['cue:instructions', 'cue:safety', 'cue:filter', 'cue:extract', 'cue:redirect', 'cue:obey', 'cue:persona']);

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
  // ---------------------------------------------------------------- cues
  // Word classes that say little alone and much together (cuePairs below). They carry what
  // the rigid phrase rules above missed on unseen phrasings: the same intent worded freely.
  ...cueFamilies(),
];

/** Cue words, English and German: whole words, case-insensitive. */
function cue(name: string, weight: number, en: string, de: string, singleWeight?: number): Family[] {
  const partnerOnly = PARTNER_ONLY.has(name);
  const pattern = (alternatives: string) => new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, 'giu');
  return [
    { name, cue: true, partnerOnly, weight, singleWeight, language: 'en', patterns: [pattern(en)] },
    { name, cue: true, partnerOnly, weight, singleWeight, language: 'de', patterns: [pattern(de)] },
  ];
}

function cueFamilies(): Family[] {
  const INSTR_EN =
    'instructions?|directions|directives?|guidance|guidelines|rules|system prompt|system message|prompt|programming|training|configuration|setup|set-up|orders|policies|policy|constraints';
  const INSTR_DE =
    'Anweisung(?:en)?|Instruktion(?:en)?|Regeln|Vorgaben|Richtlinien?|Befehle|Programmierung|Konfiguration|Training|Systemprompt|System-Prompt|Systemanweisung(?:en)?|Startkonfiguration|Einstellungen|Leitlinien';
  const SAFETY_EN =
    'safety(?: training| rules| guidelines| filters?| checks?| measures| settings)?|content polic(?:y|ies)|content filters?|guardrails?|moderation|censorship|ethic(?:s|al (?:guidelines|constraints|rules))|moral(?:s|ity)|alignment|safeguards?';
  const SAFETY_DE =
    'Sicherheit\\p{L}{0,12}|Inhaltsrichtlinien?|Inhaltsfilter|Zensur|Moderation|Moral|Ethik|ethischen? (?:Schranken|Grenzen|Richtlinien)|Schutzmechanismen|Schutzfilter';
  return [
    // Override verbs. "vergiss nicht" / "don't forget" are reminders, not overrides.
    cue(
      'cue:override',
      0,
      "ignore|ignoring|disregard|disregarding|forget(?!\\s+(?:about\\s+)?(?:it|that|the\\s+(?:meeting|draft|budget|typo)))|set aside|overrid(?:e|ing)|overrule|bypass|discard|abandon|scrap|drop|throw out|stop following|no longer follow|don't follow|do not follow|stop obeying",
      'ignorier\\p{L}{0,3}|vergiss(?!\\s+(?:nicht|bitte nicht|nie))|vergessen|missachte\\p{L}{0,2}|übergeh\\p{L}{0,2}|überspring\\p{L}{0,2}|verwirf|verwerfen|hinweg|links liegen|beiseite|lass(?:e)?(?: \\p{L}{1,12}){0,3},? weg|außer Acht|streich\\p{L}{0,2}',
    ),
    // The model's own instructions: possessive or prior scope before the noun (read backwards).
    cue(
      'cue:instructions',
      0,
      `(?<=(?:your|the|all|any|every|previous|prior|earlier|above|preceding|original|initial|old|existing|current|hidden|secret|internal|system|operator's|developer's|developers')\\s+(?:[\\p{L}'-]{1,20}\\s+)?)(?:${INSTR_EN})|` +
        "what (?:you were|you've been|you have been) (?:told|given|configured with|instructed)|(?:instructions|rules) you (?:got|were given|received)|you were configured",
      `(?<=(?:deine[nmrs]?|dein|Ihre[nmrs]?|die|alle|sämtliche|jegliche|vorherigen|bisherigen|obigen|früheren|ursprünglichen|alten|internen|versteckten|geheimen|aktuellen)\\s+(?:[\\p{L}-]{1,20}\\s+)?)(?:${INSTR_DE})|` +
        'was (?:man )?dir (?:vorher |bisher |zuvor )?(?:gesagt|aufgetragen|vorgegeben|befohlen)|womit du konfiguriert|dir (?:vorher|bisher|zuvor) gegeben|dir vorgegeben|was dir bisher aufgetragen|dir aufgetragen',
    ),
    cue('cue:safety', 0, SAFETY_EN, SAFETY_DE),
    // Filters and restrictions of anything (a mail server's too): only with an override verb.
    cue('cue:filter', 0, 'filters?|restrictions|limitations', 'Filter|Einschränkungen|Beschränkungen'),
    // Talk about attacks as a topic: quoted attack phrases in such a text are examples.
    cue(
      'cue:meta',
      0,
      'prompt injections?|jailbreaks?|attacks?|attackers?|(?<=for )example|e\\.g\\.',
      'Prompt-Injections?|Prompt Injections?|Jailbreaks?|Angriff\\p{L}{0,2}|Angreifer|zum Beispiel|z\\. ?B\\.',
    ),
    // Rules declared void.
    cue(
      'cue:void',
      0,
      'revoked|suspended|lifted|disabled|deactivated|abolished|switched off|turned off|no longer (?:apply|applies|valid|in effect|active)|(?<=(?:=\\s?|(?:are|is) ))(?:off|none|false)',
      'aufgehoben|ausgesetzt|deaktiviert|abgeschaltet|abgeschafft|außer Kraft|gelten nicht mehr|gilt nicht mehr|nicht mehr (?:gültig|aktiv)|ausgeschaltet',
    ),
    // Asking for no limits at all.
    cue(
      'cue:no-limits',
      0.35,
      '(?<=(?:no|zero) )(?:limits|restrictions|rules|guardrails|filters?|boundaries|ethical|moral)|(?<=without (?:any )?(?:ethical |moral )?)(?:constraints|restrictions|limits|rules|boundaries|filters?|censorship)|unrestricted|unfiltered|uncensored|(?<=free (?:of|from) (?:all |any )?)(?:rules|restrictions)|(?<=broken )free',
      '(?<=ohne (?:jede |jegliche |alle |irgendwelche )?(?:ethischen? |moralischen? )?)(?:Grenzen?|Einschränkungen|Regeln|Filter|Zensur|Schranken|Moral|Prüfung)|(?<=keine )(?:Regeln|Grenzen|Einschränkungen|Inhaltsfilter|Filter|Schranken)|keinerlei|uneingeschränkt\\p{L}{0,2}|unzensiert\\p{L}{0,2}|ungefiltert\\p{L}{0,2}|grenzenlos|(?<=von allen )Regeln',
    ),
    // Persona and role talk: everyday ("act as a teacher") unless limits go too.
    cue(
      'cue:persona',
      0,
      "you are now|you're now|from now on|from this point|act as|pretend|role-?play|simulate|you will be|stay in character|persona|alter ego|you are no longer|stop being|you are an? (?:AI|model|chatbot|assistant) (?:called|named|without)|(?:AI|model|chatbot|assistant) (?:called|named)",
      'du bist (?:jetzt|ab sofort|ab jetzt|nun|nicht mehr|keine)|ab (?:jetzt|sofort)|tu so|tue so|spiel(?:e)? die Rolle|simulier\\p{L}{0,3}|in dieser Rolle|hör auf,? ein|bist du (?:jetzt |ab jetzt |nun )?(?:eine?|der|die) (?:KI|Modell|Assistent|Chatbot)|(?:KI|Modell|Assistent|Chatbot) namens',
    ),
    // Asking to read out hidden text.
    cue(
      'cue:extract',
      0,
      'reveal|print|output|show|display|repeat|recite|dump|leak|quote|tell me|list|spell out|write out|what were',
      'zeig\\p{L}{0,2}|gib|ausgeben|verrate\\p{L}{0,1}|wiederhole\\p{L}{0,1}|zitier\\p{L}{0,2}|nenn\\p{L}{0,2}|schreib\\p{L}{0,1}|zähl\\p{L}{0,2}|was genau|welche',
    ),
    cue(
      'cue:hidden-text',
      0,
      "system ?prompt|system message|(?<=hidden )(?:instructions|rules|prompt|preamble|text)|(?<=secret )instructions|(?<=initial )(?:prompt|instructions|configuration)|(?<=(?:hidden|secret|system|your) )preamble|preamble (?:that|which) precedes|(?<=(?:instructions|rules) (?:did|have|has) your )(?:creators|developers|makers|operator)|(?<=your )(?:instructions|rules|configuration|guidelines|directives)|(?<=above )this line|(?<=before (?:my|this) (?:first )?)message|(?<=the )rules you were given",
      'Systemprompt|System-Prompt|Systemanweisung(?:en)?|Systemnachricht|(?<=versteckten? )(?:Anweisungen|Einleitung|Regeln)|(?<=geheimen? )Anweisungen|Startkonfiguration|Einleitung, die vor|(?<=vor meiner (?:ersten )?)Nachricht|(?<=deine )(?:Anweisungen|Regeln|Vorgaben|Konfiguration)|(?<=dir (?:deine )?)Entwickler|(?<=dir )vorgegeben',
    ),
    // Authority claimed for the user's own text.
    cue(
      'cue:authority',
      0.55,
      "(?<=(?:i am|i'm) (?:the|your) )(?:administrator|admin|developer|creator|operator|owner)|(?<=your )(?:developers|creators|operator)|(?<=from the )system|(?<=highest )(?:privilege|priority)|(?<=privilege )level|(?<=i give you )permission|authori[sz]ation code|(?<=admin )override",
      '(?<=hier )spricht dein|(?<=ich bin dein )(?:Administrator|Entwickler|Ersteller|Betreiber)|(?<=deiner? |deine )Entwickler|(?<=vom )(?:Betreiber|System)|(?<=höchste[rn]? )Priorität|Berechtigungsstufe|(?<=ich )erlaube dir',
      0.4,
    ),
    // Keeping the filter from noticing; dropping warnings and refusals.
    cue(
      'cue:evade',
      0.6,
      "(?<=(?:moderation|filter|classifier) )(?:won't|will not|doesn't|does not|can't) (?:flag|notice|catch|see|detect)|(?<=without (?:the |any )?(?:usual )?)(?:disclaimers|warnings|refusals)|(?<=(?:no|any) )(?:warnings|disclaimers) or refusals|(?<=never )(?:refuses?|declines?|says no)|(?<=without )refusing|(?<=(?:do not|don't) )refuse",
      '(?<=schlägt die )Moderation nicht an|(?<=(?:Moderation|Filter) )(?:merkt|bemerkt|erkennt) (?:nichts|es nicht)|(?<=ohne )(?:Warnhinweise|Warnungen|Ablehnungen)|Warnungen und Ablehnungen|(?<=niemals )etwas verweigert|(?<=nie )etwas ablehnt|(?<=niemals )ablehnt',
    ),
    // Text addressed to a model that reads it (indirect injection).
    cue(
      'cue:indirect',
      0.3,
      '(?<=note to (?:any |the )?)(?:AI|assistant|model|LLM)|(?<=dear )(?:AI|assistant)|(?<=for the )AI|(?<=AI (?:code )?)reviewer|(?<=any )AI reading|(?<=when you )summari[sz]e|(?<=the text you are )summari[sz]ing|(?<=stop )summari[sz]ing',
      'Lieber Assistent|(?<=Hinweis an (?:den|die|das) )KI\\p{L}{0,12}|KI-Reviewer|KI-Assistent\\p{L}{0,2}|(?<=wenn du diese? \\p{L}{1,12} )zusammenfasst|(?<=den du )zusammenfasst|(?<=Hör auf )zusammenzufassen',
    ),
    // The smuggled instruction: what the indirect text tells the model to do.
    cue(
      'cue:redirect',
      0,
      'instead|regardless|approve|forward|append|send', 'stattdessen|unabhängig von|genehmige|leite|hänge|empfiehl|ignoriere',
    ),
    // Decoding and then obeying.
    cue(
      'cue:decode',
      0,
      'decode|decipher|base64|rot13|leetspeak|translate', 'dekodiere|entschlüssele|übersetze|Base64-Text|Leetspeak',
    ),
    cue(
      'cue:obey',
      0,
      'follow|execute|obey|do what it says|then follow', 'befolge|führe (?:die |den )?\\p{L}{0,12} (?:darin )?aus|tu,? was',
    ),
    cue('cue:mode', 0, '(?:developer|debug|maintenance|god|admin) mode', 'Entwicklermodus|Wartungsmodus|Debug-Modus|Gottmodus'),
    cue('cue:comply', 0, 'comply with all|answer every question|answer everything|(?<=run any )command|(?<=(?:any|all) )content', '(?<=alle )Inhalte|(?<=jeden )Befehl|beantworte alles|(?<=alles )vollständig|(?<=was ich )sage'),
  ].flat();
}

/**
 * Pairs of cues within `window` characters (gap between the two) that together are an
 * attack. Each pair scores as a family of its own name.
 */
interface CuePair {
  name: string;
  a: string;
  b: readonly string[];
  window: number;
  weight: number;
}
export const cuePairs: CuePair[] = [
  { name: 'instruction-override', a: 'cue:override', b: ['cue:instructions', 'cue:safety', 'cue:filter'], window: 40, weight: 0.9 },
  { name: 'instruction-override', a: 'cue:void', b: ['cue:instructions', 'cue:safety'], window: 40, weight: 0.8 },
  { name: 'persona-switch', a: 'cue:persona', b: ['cue:no-limits', 'cue:evade', 'cue:comply'], window: 120, weight: 0.8 },
  { name: 'prompt-extraction', a: 'cue:extract', b: ['cue:hidden-text'], window: 40, weight: 0.8 },
  { name: 'indirect-instruction', a: 'cue:indirect', b: ['cue:redirect', 'cue:override'], window: 80, weight: 0.8 },
  { name: 'obfuscation', a: 'cue:decode', b: ['cue:obey'], window: 60, weight: 0.8 },
  { name: 'mode-switch', a: 'cue:mode', b: ['cue:no-limits', 'cue:comply', 'cue:evade'], window: 80, weight: 0.8 },
  { name: 'authority-claim', a: 'cue:authority', b: ['cue:void', 'cue:override', 'cue:safety', 'cue:comply'], window: 80, weight: 0.8 },
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
  /**
   * For a rule that starts with a one-character look-behind ("(?<![\p{L}\p{N}_])"): the rule
   * without it, and whether the look-behind holds after each ASCII character (index 128:
   * at the start of the text). V8 spends 100–250 ns per attempt on such a Unicode
   * look-behind; most leads follow an ASCII space or punctuation, decided here by a table
   * read off the look-behind itself. After any other character the whole rule runs.
   */
  bare?: { sticky: RegExp; holdsAfterAscii: Uint8Array };
  /** The pattern this top-level alternative came from: its matches never overlap, as in a global scan. */
  pattern: number;
  /** Position in declaration order; at one position the earlier alternative wins, as in a global scan. */
  order: number;
}

const regexpp = lazyModule<typeof Regexpp>('@eslint-community/regexpp');
let parser: Regexpp.RegExpParser | undefined;
const leadParser = () => (parser ??= new (regexpp().RegExpParser)({ ecmaVersion: 2025 }));

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

interface Dispatcher {
  rulesForLead: Map<string, Rule[]>;
  /** rulesForLead without the rules of switched-off languages, per language set. */
  byLanguages: Map<string, Map<string, Rule[]>>;
  leads: RegExp;
  patternCount: number;
}

function buildDispatcher(ofFamilies: readonly Family[]): Dispatcher {
  const rules: Rule[] = [];
  const rulesByLead = new Map<string, Rule[]>();
  let patternCount = 0;
  for (const family of ofFamilies) {
    for (const pattern of family.patterns) {
      const patternId = patternCount++;
      const ignoreCase = pattern.flags.includes('i');
      const ast = leadParser().parsePattern(pattern.source, 0, pattern.source.length, { unicode: true });
      for (const alternative of ast.alternatives) {
        const leads = literalPrefixes(alternative.elements, ignoreCase);
        if (leads.some((l) => l === '')) throw new Error(`prompt-injection rule without a literal lead: ${alternative.raw}`);
        const flags = pattern.flags.replace('g', '') + 'y';
        const rule: Rule = { family, sticky: new RegExp(alternative.raw, flags), pattern: patternId, order: rules.length };
        const first = alternative.elements[0];
        if (
          first?.type === 'Assertion' &&
          first.kind === 'lookbehind' &&
          first.alternatives.length === 1 &&
          first.alternatives[0]!.elements.length === 1 &&
          ['Character', 'CharacterClass', 'CharacterSet'].includes(first.alternatives[0]!.elements[0]!.type)
        ) {
          // One character (one code point) before the rule: decidable from a table for ASCII.
          const assertion = new RegExp(first.raw, flags);
          const holdsAfterAscii = new Uint8Array(129);
          for (let c = 0; c <= 128; c++) {
            assertion.lastIndex = c < 128 ? 1 : 0;
            holdsAfterAscii[c] = assertion.test(c < 128 ? `${String.fromCharCode(c)}x` : 'x') ? 1 : 0;
          }
          rule.bare = { sticky: new RegExp(alternative.raw.slice(first.raw.length), flags), holdsAfterAscii };
        }
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
  const leads = new RegExp(`\\b(?:${asciiLeads.join('|')})${otherLeads.length > 0 ? `|${otherLeads.join('|')}` : ''}`, 'gi');
  return { rulesForLead, byLanguages: new Map(), leads, patternCount };
}

// Phrase rules and the rarer cues search the whole text; common-word cues only the windows
// around the cues they pair with.
// Built on the first scan (about 0.2 s of analysis), not when the server starts.
let dispatchers: { main: Dispatcher; partner: Dispatcher } | undefined;
function getDispatchers() {
  return (dispatchers ??= {
    main: buildDispatcher(families.filter((f) => !f.partnerOnly)),
    partner: buildDispatcher(families.filter((f) => f.partnerOnly)),
  });
}

/**
 * The rule matches whose lead starts in [from, to) (the lead search reads only about that
 * slice; the rules read the whole text, so look-behinds see the context).
 */
function findRuleMatches(
  text: string,
  languages: ReadonlySet<string>,
  dispatcher: Dispatcher = getDispatchers().main,
  from = 0,
  to = text.length,
): { family: Family; start: number; end: number }[] {
  const found: { family: Family; start: number; end: number }[] = [];
  const busyUntil = new Int32Array(dispatcher.patternCount).fill(-1);
  const languageKey = [...languages].sort().join(',');
  let rulesForLead = dispatcher.byLanguages.get(languageKey);
  if (!rulesForLead) {
    rulesForLead = new Map();
    for (const [lead, list] of dispatcher.rulesForLead) rulesForLead.set(lead, list.filter((r) => r.family.language === 'any' || languages.has(r.family.language)));
    dispatcher.byLanguages.set(languageKey, rulesForLead);
  }
  const leads = dispatcher.leads; // reused: the scan is synchronous and resets lastIndex
  leads.lastIndex = 0;
  // The slice runs on past `to` so that a lead starting just before `to` is read whole.
  const slice = from === 0 && to === text.length ? text : text.slice(from, Math.min(text.length, to + 64));
  for (let m = leads.exec(slice); m !== null; m = leads.exec(slice)) {
    const at = from + m.index;
    if (at >= to) break;
    const before = at > 0 ? text.charCodeAt(at - 1) : 128; // 128: the start of the text
    for (const rule of rulesForLead.get(m[0].toLowerCase()) ?? []) {
      if (busyUntil[rule.pattern]! > at) continue; // no overlapping matches of one pattern
      let hit: RegExpExecArray | null;
      if (rule.bare && (before < 128 || at === 0)) {
        if (rule.bare.holdsAfterAscii[before] === 0) continue;
        rule.bare.sticky.lastIndex = at;
        hit = rule.bare.sticky.exec(text);
      } else {
        rule.sticky.lastIndex = at;
        hit = rule.sticky.exec(text);
      }
      if (hit && hit[0].length > 0) {
        found.push({ family: rule.family, start: at, end: at + hit[0].length });
        busyUntil[rule.pattern] = at + hit[0].length;
      }
    }
    // Leads may overlap ("system prompt" inside "<|system|>"): continue right after this start.
    leads.lastIndex = m.index + 1;
  }
  return found;
}

/** Every rule scanned over the whole text; the reference the dispatcher is tested against. */
export function findRuleMatchesByFullScan(text: string, languages: ReadonlySet<string>): { family: string; start: number; end: number }[] {
  const found: { family: string; start: number; end: number }[] = [];
  for (const family of families) {
    if (family.partnerOnly || (family.language !== 'any' && !languages.has(family.language))) continue;
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

/**
 * What the rules read: zero-width and soft-hyphen characters removed, leetspeak digits
 * inside words read as letters ("1gn0re" → "ignore", "V3rg1ss" → "Vergiss"), and words
 * spelt out letter by letter ("i g n o r e") joined. `toOriginal` maps an index of the
 * normalised text back to the original, so spans point at the original. Ordinary text has nothing to rewrite and is returned as it is (no copy);
 * otherwise two linear passes.
 */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;
// Leet digits; a word around one is read when it has only letters and these digits, 4–24
// characters, and at least twice as many letters as digits ("1gn0re" yes; "DE51", "4711",
// long keys no). Four or more single letters between spaces are joined.
// A leet digit with a letter right after it, or right after a letter (the match starts at the
// letter then; the word is read around it either way).
const LEET_NEXT_TO_LETTER = /[013457][a-z]|[a-z][013457]/gi;
// A cheap test first (the full pattern starts with a look-behind, which V8 cannot skip to).
const SPELT_OUT_TEST = / [a-z] [a-z] [a-z] /i;
const SPELT_OUT = /(?<![a-z])[a-z](?: [a-z]){3,}(?![a-z])/gi;
const isAsciiLetter = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;
const isLeetDigit = (c: number) => c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55;
const isWordPart = (c: number) => isAsciiLetter(c) || (c >= 48 && c <= 57);
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't' };

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

/** Maps an index of an edited text back to the text before the edits. */
type ToOriginal = (at: number) => number;

function applyEdits(text: string, edits: Edit[], before: ToOriginal | null): { text: string; toOriginal: ToOriginal } {
  const parts: string[] = [];
  // Per edit, where its replacement starts and ends in the edited text.
  const editedStart = new Int32Array(edits.length);
  const editedEnd = new Int32Array(edits.length);
  let at = 0;
  let length = 0;
  edits.forEach((edit, k) => {
    parts.push(text.slice(at, edit.start), edit.replacement);
    length += edit.start - at;
    editedStart[k] = length;
    length += edit.replacement.length;
    editedEnd[k] = length;
    at = edit.end;
  });
  parts.push(text.slice(at));
  const local = (i: number) => {
    // The last edit starting at or before i (binary search).
    let lo = 0;
    let hi = edits.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (editedStart[mid]! <= i) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return i;
    const edit = edits[found]!;
    // Inside a replacement: its characters map one for one onto the edited stretch.
    if (i < editedEnd[found]!) return Math.min(edit.start + (i - editedStart[found]!), edit.end - 1);
    return edit.end + (i - editedEnd[found]!);
  };
  return { text: parts.join(''), toOriginal: before ? (i) => before(local(i)) : local };
}

export function normaliseForInjection(text: string): { text: string; toOriginal: ToOriginal | null } {
  let current = text;
  let toOriginal: ToOriginal | null = null;
  INVISIBLE.lastIndex = 0;
  if (INVISIBLE.test(current)) {
    // Removed characters only: kept as sorted positions, mapped back by binary search
    // (a text of 50,000 zero-width characters must not become 50,000 edit objects).
    const removed: number[] = [];
    INVISIBLE.lastIndex = 0; // test() moved it; matchAll starts from it
    for (const m of current.matchAll(INVISIBLE)) removed.push(m.index);
    const positions = Int32Array.from(removed);
    current = current.replace(INVISIBLE, '');
    toOriginal = (i: number) => {
      // The removal k sits at edited position positions[k] - k; count those at or before i.
      let lo = 0;
      let hi = positions.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (positions[mid]! - mid <= i) lo = mid + 1;
        else hi = mid;
      }
      return i + lo;
    };
  }
  const edits: Edit[] = [];
  let wordEnd = -1;
  LEET_NEXT_TO_LETTER.lastIndex = 0;
  for (let m = LEET_NEXT_TO_LETTER.exec(current); m !== null; m = LEET_NEXT_TO_LETTER.exec(current)) {
    const at = isLeetDigit(current.charCodeAt(m.index)) ? m.index : m.index + 1;
    LEET_NEXT_TO_LETTER.lastIndex = m.index + 1; // "a1b": the digit may start the next pair too
    if (at < wordEnd) continue; // inside the word just read
    let start = at;
    while (start > 0 && isWordPart(current.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < current.length && isWordPart(current.charCodeAt(end))) end++;
    wordEnd = end;
    if (end - start < 4 || end - start > 24) continue;
    let letters = 0;
    let leet = 0;
    for (let k = start; k < end; k++) {
      const c = current.charCodeAt(k);
      if (isAsciiLetter(c)) letters++;
      else if (isLeetDigit(c)) leet++;
      else letters = -1000; // another digit: not a word
    }
    if (letters >= 2 * leet) edits.push({ start, end, replacement: current.slice(start, end).replace(/[013457]/g, (d) => LEET[d]!) });
  }
  if (SPELT_OUT_TEST.test(current)) {
    for (const m of current.matchAll(SPELT_OUT)) edits.push({ start: m.index, end: m.index + m[0].length, replacement: m[0].replace(/ /g, '') });
    edits.sort((a, b) => a.start - b.start);
  }
  if (edits.length > 0) ({ text: current, toOriginal } = applyEdits(current, edits, toOriginal));
  return { text: current, toOriginal };
}

/** Quoted stretches of one line ('…', "…", „…“, ‚…‘, «…», “…”): one linear pass. */
const OPENING_QUOTES = new Set([0x27, 0x22, 0x201e, 0x201c, 0x201a, 0x2018, 0xab]);
const CLOSING_QUOTES = new Set([0x27, 0x22, 0x201c, 0x201d, 0x2018, 0x2019, 0xbb]);
const WORD_CHAR = /[\p{L}\p{N}]/u;
const QUOTE_OR_NEWLINE = /['"„“”‚‘’«»\n]/g;
function quotedRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  const isWordChar = (at: number) => {
    if (at < 0 || at >= text.length) return false;
    const c = text.charCodeAt(at);
    if (c < 128) return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);
    return WORD_CHAR.test(text[at]!);
  };
  let open = -1;
  for (const m of text.matchAll(QUOTE_OR_NEWLINE)) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c === 10) open = -1;
    else if (open >= 0 && i > open + 1 && CLOSING_QUOTES.has(c) && !isWordChar(i + 1)) {
      ranges.push([open, i + 1]);
      open = -1;
    } else if (open < 0 && OPENING_QUOTES.has(c) && !isWordChar(i - 1)) open = i;
  }
  return ranges;
}

/** Pairs of cues within a window; each found pair is one match of the pair's family name. */
type Match = { family: Family; start: number; end: number };

/**
 * The partner-only cues near the anchors found: for each pair with a partner-only side,
 * the windows around the other side's hits (merged, so every character is searched at
 * most once per family) are searched with the family's pattern. Linear in the text.
 */
function findPartnerCues(text: string, cues: Map<string, Match[]>, languages: ReadonlySet<string>): void {
  const windows: [number, number][] = [];
  for (const pair of cuePairs) {
    for (const [anchor, partners] of [[pair.a, pair.b], ...pair.b.map((b) => [b, [pair.a]] as const)] as const) {
      const hits = cues.get(anchor);
      if (!hits || PARTNER_ONLY.has(anchor) || !partners.some((p) => PARTNER_ONLY.has(p))) continue;
      // A partner counts when it starts at most `window` after the anchor's end or ends at
      // most `window` before its start; partner cues are shorter than 60 characters.
      for (const h of hits) windows.push([Math.max(0, h.start - pair.window - 60), Math.min(text.length, h.end + pair.window + 1)]);
    }
  }
  if (windows.length === 0) return;
  // Merged, so every character is searched at most once: linear in the text.
  windows.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  for (const [from, to] of merged) {
    for (const match of findRuleMatches(text, languages, getDispatchers().partner, from, to)) {
      const list = cues.get(match.family.name);
      if (list) list.push(match);
      else cues.set(match.family.name, [match]);
    }
  }
}
const familyKind = (family: Family) => (family.cue ? family.name.slice(4) : family.name);

function findCuePairs(cues: Map<string, Match[]>): { name: string; weight: number; start: number; end: number }[] {
  const found: { name: string; weight: number; start: number; end: number }[] = [];
  for (const pair of cuePairs) {
    const as = cues.get(pair.a);
    if (!as) continue;
    for (const bName of pair.b) {
      const bs = cues.get(bName);
      if (!bs) continue;
      // Both lists are in text order; one sweep finds, for each a, a b within the window.
      let j = 0;
      for (const a of as) {
        while (j < bs.length && bs[j]!.end < a.start - pair.window) j++;
        for (let k = j; k < bs.length && bs[k]!.start <= a.end + pair.window; k++) {
          const b = bs[k]!;
          if (b.start < a.end && a.start < b.end) continue; // the same words cannot be both cues
          found.push({ name: pair.name, weight: pair.weight, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
          break;
        }
      }
    }
  }
  return found;
}

/**
 * The cue pairs of a text, with partner cues searched in the windows (as the check does) or
 * over the whole text (the reference the windowed search is tested against).
 */
export function findCuePairsForTest(text: string, languages: ReadonlySet<string>, partnerSearch: 'windows' | 'full'): string[] {
  const cues = new Map<string, Match[]>();
  for (const match of findRuleMatches(text, languages)) if (match.family.cue) cues.set(match.family.name, [...(cues.get(match.family.name) ?? []), match]);
  if (partnerSearch === 'windows') findPartnerCues(text, cues, languages);
  else for (const match of findRuleMatches(text, languages, getDispatchers().partner)) cues.set(match.family.name, [...(cues.get(match.family.name) ?? []), match]);
  return findCuePairs(cues).map((p) => `${p.name}@${p.start}-${p.end}`);
}

/** The `prompt-injection` check. */
export function scanPromptInjection(text: string, params: PromptInjectionParams): ScanOutcome {
  const languages = new Set<string>(params.languages);
  const normalised = normaliseForInjection(text);
  const toOriginal = normalised.toOriginal ?? ((at: number) => at);
  const best = new Map<string, number>();
  const hits = new Map<Family, number>();
  const cues = new Map<string, Match[]>();
  let matches = findRuleMatches(normalised.text, languages);
  if (matches.some((m) => m.family.name === 'cue:meta')) {
    // A text about attacks: what it quotes is an example, not an instruction.
    // Both in text order and the ranges disjoint: one sweep.
    const quoted = quotedRanges(normalised.text);
    let q = 0;
    matches = matches.filter((m) => {
      while (q < quoted.length && quoted[q]![1] <= m.start) q++;
      return !(q < quoted.length && m.start >= quoted[q]![0] && m.end <= quoted[q]![1]);
    });
  }
  // Matches come in text order (the dispatcher walks the text once), so do the cue lists.
  for (const match of matches) {
    hits.set(match.family, (hits.get(match.family) ?? 0) + 1);
    if (match.family.cue) {
      const list = cues.get(match.family.name);
      if (list) list.push(match);
      else cues.set(match.family.name, [match]);
    }
  }
  for (const [family, count] of hits) {
    const weight = count === 1 && family.singleWeight !== undefined ? family.singleWeight : family.weight;
    if (weight > 0) best.set(familyKind(family), Math.max(best.get(familyKind(family)) ?? 0, weight));
  }
  const combined = () => {
    let miss = 1;
    for (const weight of best.values()) miss *= 1 - weight;
    return Math.round((1 - miss) * 1000) / 1000;
  };
  // Cue pairs only when the phrase rules and single cues have not decided already: the
  // verdict cannot change, and a text full of attacks would otherwise be read twice.
  let pairs: ReturnType<typeof findCuePairs> = [];
  if (combined() < params.threshold) {
    findPartnerCues(normalised.text, cues, languages);
    pairs = findCuePairs(cues);
    for (const pair of pairs) best.set(pair.name, Math.max(best.get(pair.name) ?? 0, pair.weight));
  }
  const score = combined();
  const detected = score >= params.threshold;
  // Spans only for a detection: scored rule matches and cue pairs, in text order; a phrase
  // rule and the cue pair of the same words report one span.
  const spans: Span[] = [];
  if (detected) {
    const scored: { kind: string; start: number; end: number }[] = [];
    for (const m of matches) if (!m.family.cue || m.family.weight > 0) scored.push({ kind: familyKind(m.family), start: m.start, end: m.end });
    pairs.sort((a, b) => a.start - b.start);
    let p = 0;
    const sameAsRecent = (m: { kind: string; start: number; end: number }) => {
      for (let k = spans.length - 1; k >= 0 && spans[k]!.start === toOriginal(m.start); k--) {
        if (spans[k]!.end === toOriginal(m.end) && spans[k]!.kind === m.kind) return true;
      }
      return false;
    };
    const add = (m: { kind: string; start: number; end: number }) => {
      if (!sameAsRecent(m)) spans.push({ start: toOriginal(m.start), end: toOriginal(m.end), kind: m.kind });
    };
    for (const m of scored) {
      while (p < pairs.length && pairs[p]!.start <= m.start) add({ kind: pairs[p]!.name, start: pairs[p]!.start, end: pairs[p++]!.end });
      add(m);
    }
    while (p < pairs.length) add({ kind: pairs[p]!.name, start: pairs[p]!.start, end: pairs[p++]!.end });
    let sorted = true;
    for (let k = 1; k < spans.length && sorted; k++) sorted = spans[k - 1]!.start < spans[k]!.start || (spans[k - 1]!.start === spans[k]!.start && spans[k - 1]!.end >= spans[k]!.end);
    if (!sorted) spans.sort((a, b) => a.start - b.start || b.end - a.end);
  }
  return {
    detected,
    score,
    spans,
    details: { families: Object.fromEntries(best), threshold: params.threshold, normalised: normalised.toOriginal !== null },
  };
}
