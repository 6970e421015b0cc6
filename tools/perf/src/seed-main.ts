import { exitWith } from './args';
import { main } from './seed-cli';

exitWith(main(process.argv.slice(2)));
